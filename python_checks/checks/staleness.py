"""Staleness (ML Test Score, monitor 4): a model that stops logging must not
look healthy because its last metrics were. Each model's newest accepted
prediction must be at most `max_age_hours` older than the newest
prediction of any model: measured against the data, not the wall clock, so
a warehouse loaded late is not stale and the result is reproducible."""

from __future__ import annotations

import pandas as pd

from python_checks.checks.context import CheckContext
from python_checks.results import CheckResult, Status

CHECK = "staleness"


def prediction_staleness(ctx: CheckContext) -> list[CheckResult]:
    severity = ctx.settings.staleness.severity
    max_age_hours = ctx.settings.staleness.max_age_hours
    missing = ctx.missing(CHECK, severity, "staging.stg_raw__predictions")
    if missing:
        return missing
    frame = ctx.query(
        """
        select
            model_name,
            max(predicted_at) as newest,
            max(max(predicted_at)) over () as newest_any,
            count(*) as n
        from staging.stg_raw__predictions
        group by model_name
        order by model_name
        """
    )
    rows = [
        (row.model_name, pd.Timestamp(row.newest), pd.Timestamp(row.newest_any), row.n)
        for row in frame.itertuples(index=False)
    ]
    if not rows:
        return [
            CheckResult.not_evaluated(CHECK, severity, "no accepted prediction in the warehouse")
        ]
    results = []
    for model, newest, newest_any, n in rows:
        age_hours = (newest_any - newest).total_seconds() / 3600.0
        stale = age_hours > max_age_hours
        results.append(
            CheckResult(
                check=CHECK,
                status=Status.BREACHED if stale else Status.PASSED,
                severity=severity,
                message=(
                    f"newest prediction {newest} is {age_hours:g} h older than the newest "
                    f"of any model ({newest_any})"
                    + ("; the model stopped logging" if stale else "")
                ),
                model=model,
                metric="prediction_age_hours",
                metric_date=str(newest.date()),
                value=age_hours,
                bound=f"<= {max_age_hours:g} h",
                sample_size=int(n),
            )
        )
    return results
