"""Served-label consistency: what a classifier served (`predicted_label`)
must equal `score >= threshold`. A contradiction means the serving code and
the logged scores disagree, and every served-label metric is suspect.

The bound is the `served_label_consistency` rule of thresholds.yml, the one
that also bounds the published daily metric: this check applies it to each
model and version over the whole history and names the first day and an
example prediction, which the daily metric cannot."""

from __future__ import annotations

import pandas as pd

from python_checks.checks.context import CheckContext
from python_checks.results import CheckResult, Status

CHECK = "served_labels"
METRIC = "served_label_consistency"


def _floor(ctx: CheckContext, model: str) -> float | None:
    """The strictest declared minimum of served_label_consistency for a model."""
    floors = [
        rule.min
        for rule in ctx.declarations.thresholds.rules_for(METRIC, model)
        if rule.kind == "static" and rule.min is not None
    ]
    return max(floors) if floors else None


def served_label_consistency(ctx: CheckContext) -> list[CheckResult]:
    severity = ctx.settings.served_labels.severity
    missing = ctx.missing(CHECK, severity, "intermediate.int_classification_predictions")
    if missing:
        return missing
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
    per_model = list(per_model)
    if not per_model:
        return [_nothing_to_check(ctx, severity)]
    results = []
    for model, version, checked, contradictions, first_day, example in per_model:
        checked, contradictions = int(checked), int(contradictions)
        if first_day is not None and pd.isna(first_day):
            first_day = None
        if first_day is not None:
            first_day = pd.Timestamp(first_day).date()
        share = contradictions / checked if checked else 0.0
        floor = _floor(ctx, model)
        if floor is None:
            results.append(
                CheckResult.not_evaluated(
                    CHECK,
                    severity,
                    f"{contradictions} of {checked} served labels contradict "
                    f"score >= threshold; no rule bounds {METRIC} for {model}",
                    model=model,
                    model_version=version,
                    metric=METRIC,
                    value=1.0 - share,
                    sample_size=int(checked),
                )
            )
            continue
        breached = 1.0 - share < floor
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
                metric=METRIC,
                metric_date=str(first_day or ""),
                value=1.0 - share,
                bound=f">= {floor:g}",
                sample_size=int(checked),
            )
        )
    return results


def _nothing_to_check(ctx: CheckContext, severity: str) -> CheckResult:
    """No prediction with a score, a threshold and a served label: not
    applicable when the warehouse has no classification prediction at all,
    not evaluated when its classifiers log no threshold or label."""
    rows = ctx.query("select count(*) as n from intermediate.int_classification_predictions")
    if int(rows["n"].iloc[0]) == 0:
        return CheckResult.not_applicable(
            CHECK,
            severity,
            "no classification model in the warehouse (it compares served labels with "
            "score >= threshold)",
            metric=METRIC,
        )
    return CheckResult.not_evaluated(
        CHECK,
        severity,
        "no classification prediction carries a score, a threshold and a served label",
        metric=METRIC,
    )
