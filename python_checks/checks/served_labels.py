"""Served-label consistency: what a classifier served (`predicted_label`)
must equal `score >= threshold`. A contradiction means the serving code and
the logged scores disagree, and every served-label metric is suspect."""

from __future__ import annotations

import pandas as pd

from python_checks.checks.base import CheckContext
from python_checks.results import CheckResult, Status

CHECK = "served_labels"


def served_label_consistency(ctx: CheckContext) -> list[CheckResult]:
    severity = ctx.setting(CHECK, "severity")
    max_share = float(ctx.setting(CHECK, "max_contradiction_share"))
    if not ctx.table_exists("intermediate", "int_classification_predictions"):
        return [
            CheckResult(
                check=CHECK,
                status=Status.NOT_EVALUATED,
                severity=severity,
                message="intermediate.int_classification_predictions does not exist",
            )
        ]
    per_model = ctx.query(
        """
        select
            model_name,
            model_version,
            count(*) as checked,
            sum(case when predicted_label <> (score >= threshold) then 1 else 0 end)
                as contradictions,
            min(case when predicted_label <> (score >= threshold) then metric_date end)
                as first_day,
            min(case when predicted_label <> (score >= threshold) then prediction_id end)
                as example_prediction_id
        from intermediate.int_classification_predictions
        where score is not null and threshold is not null and predicted_label is not null
        group by model_name, model_version
        order by model_name, model_version
        """
    ).itertuples(index=False, name=None)
    results = []
    for model, version, checked, contradictions, first_day, example in per_model:
        checked, contradictions = int(checked), int(contradictions)
        if first_day is not None and pd.isna(first_day):
            first_day = None
        if first_day is not None:
            first_day = pd.Timestamp(first_day).date()
        share = contradictions / checked if checked else 0.0
        breached = share > max_share
        results.append(
            CheckResult(
                check=CHECK,
                status=Status.BREACHED if breached else Status.PASSED,
                severity=severity,
                message=(
                    f"{contradictions} of {checked} served labels contradict score >= threshold"
                    + (f" since {first_day} (e.g. prediction {example})" if breached else "")
                ),
                model=model,
                model_version=version,
                metric="served_label_consistency",
                metric_date=str(first_day or ""),
                value=1.0 - share,
                bound=f"contradictions <= {max_share:g}",
                sample_size=int(checked),
            )
        )
    return results
