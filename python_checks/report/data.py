"""What a report is built from: metrics_daily, the drift verdicts and the
threshold curve as their marts publish them, the run's CheckResults and the
declarations. Nothing else is read, and no raw row (a prediction, a label,
an event) ever reaches the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from python_checks.declare import Declarations
from python_checks.results import CheckResult


@dataclass
class ReportInput:
    """Everything the report renders; the tests build it by hand."""

    metrics: pd.DataFrame  # metrics_daily as published
    results: list[CheckResult]
    declarations: Declarations
    # One day of the threshold curve per model (its latest day with mature
    # labels), per version and the `__all__` rollup, segment `__all__`
    # (Engine.threshold_curve): model_name, model_version, metric_date,
    # threshold, precision, recall, f1, expected_cost, is_cost_optimal,
    # serving_threshold.
    threshold_curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    # drift_verdict_daily at the model rollup (Engine.drift_verdicts):
    # metric_date, model_name, drift_verdict, drifted_feature and the three
    # signals data_drift_detected, concept_drift_detected, label_drift_detected.
    drift_verdicts: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The last `mpm backtest`'s main.backtest_alarms_daily
    # (Engine.backtest_alarms): metric_date, rule_id, model_name,
    # metric_name (the rule's checked series), severity, status (alarm, ok,
    # not_evaluated), worst_value, bound. Empty when no backtest ran.
    backtest: pd.DataFrame = field(default_factory=pd.DataFrame)
    warehouse: str = ""
    generated_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat("T", "seconds")
    )
    data_docs_index: str = ""  # absolute paths; the report links them relatively
    dbt_docs_index: str = ""
    run_results: str = ""
    dbt_project: str = "ml_product_metrics"
