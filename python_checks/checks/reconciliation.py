"""Reconciliation: recompute every classification metric of the latest day
with mature labels from the staged rows with sklearn, and compare with the
SQL mart. A disagreement means the SQL and the definition drifted apart."""

from __future__ import annotations

import datetime
import math

import pandas as pd

from python_checks.checks.context import CheckContext
from python_checks.results import CheckResult, Status
from python_checks.stats.reference import classification_metrics, relative_difference

CHECK = "reconciliation"
COMPARED = (
    "n_predictions",
    "n_labeled",
    "label_coverage",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "specificity",
    "false_positive_rate",
    "base_rate",
    "predicted_positive_rate",
    "auc_roc",
    "average_precision",
    "log_loss",
    "brier_score",
    "ece",
    "served_label_consistency",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
)


def reconcile_classification(ctx: CheckContext) -> list[CheckResult]:
    severity = ctx.settings.reconciliation.severity
    tolerance = ctx.settings.reconciliation.relative_tolerance
    min_coverage = ctx.declarations.min_label_coverage
    missing = ctx.missing(CHECK, severity, "marts.classification_metrics_daily")
    if missing:
        return missing
    mart = ctx.query(
        "select * from marts.classification_metrics_daily "
        "order by metric_date, model_name, model_version, segment"
    )
    rollup = mart[(mart["model_version"] == "__all__") & (mart["segment"] == "__all__")]
    if rollup.empty:
        return [
            CheckResult.not_applicable(
                CHECK,
                severity,
                "no classification model in the warehouse (it recomputes classification "
                "metrics with sklearn)",
            )
        ]
    results = []
    for model, days in rollup.groupby("model_name"):
        mature = days[days["label_coverage"].fillna(0) >= min_coverage]
        if mature.empty:
            results.append(
                _not_evaluated(
                    severity,
                    f"{model}: no day with label coverage >= {min_coverage:g}",
                    model=model,
                )
            )
            continue
        day = mature["metric_date"].max()
        rows = ctx.query(
            "select model_version, segment, score, threshold, predicted_label, label, latency_ms "
            "from intermediate.int_classification_predictions "
            "where model_name = ? and metric_date = ?",
            [model, _as_date(day)],
        )
        groups = mart[(mart["model_name"] == model) & (mart["metric_date"] == day)]
        results.extend(_compare_day(model, day, rows, groups, tolerance, severity, ctx))
    return results


def _as_date(day) -> datetime.date:
    """A metric_date as a date parameter (DuckDB gives Timestamps, Spark dates)."""
    return pd.Timestamp(day).date()


def _compare_day(model, day, rows, groups, tolerance, severity, ctx) -> list[CheckResult]:
    mismatches = []
    compared = 0
    for group in groups.itertuples(index=False):
        subset = rows
        if group.model_version != "__all__":
            subset = subset[subset["model_version"] == group.model_version]
        if group.segment != "__all__":
            subset = subset[subset["segment"] == group.segment]
        expected = classification_metrics(subset, ctx.declarations.dbt_vars.ece_bins)
        for metric in COMPARED:
            actual = getattr(group, metric)
            actual = (
                None
                if actual is None or (isinstance(actual, float) and math.isnan(actual))
                else float(actual)
            )
            compared += 1
            if relative_difference(actual, expected[metric]) > tolerance:
                mismatches.append(
                    (group.model_version, group.segment, metric, actual, expected[metric])
                )
    day_text = str(pd.Timestamp(day).date())
    if not mismatches:
        return [
            CheckResult(
                check=CHECK,
                status=Status.PASSED,
                severity=severity,
                message=f"{model} {day_text}: {compared} values of {len(groups)} groups "
                f"equal sklearn within {tolerance:g}",
                model=model,
                metric_date=day_text,
                details={"compared": compared},
            )
        ]
    return [
        CheckResult(
            check=CHECK,
            status=Status.BREACHED,
            severity=severity,
            message=f"{metric} = {actual} in SQL but {expected} from sklearn",
            model=model,
            model_version=version,
            segment=segment,
            metric_date=day_text,
            metric=metric,
            value=actual,
            bound=f"{expected} ± {tolerance:g} rel",
        )
        for version, segment, metric, actual, expected in mismatches
    ]


def _not_evaluated(severity: str, why: str, model: str = "") -> CheckResult:
    return CheckResult.not_evaluated(CHECK, severity, f"could not reconcile: {why}", model=model)
