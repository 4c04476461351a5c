"""What a report is built from: metrics_daily, the classification threshold
curve mart and the run's CheckResults. Nothing else is read, and no raw row
(a prediction, a label, an event) ever reaches the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from python_checks.config import Thresholds
from python_checks.results import CheckResult
from python_checks.warehouse import connect

CURVE_MART = ("marts", "classification_threshold_curve")
CLASSIFICATION_MART = ("marts", "classification_metrics_daily")


@dataclass
class ReportInput:
    """Everything the report renders; the tests build it by hand."""

    metrics: pd.DataFrame  # metrics_daily as published
    results: list[CheckResult]
    thresholds: Thresholds
    # One day of the threshold curve per model (its latest day with mature
    # labels), per version and the `__all__` rollup, segment `__all__`:
    # model_name, model_version, metric_date, threshold, precision, recall,
    # f1, expected_cost, is_cost_optimal, serving_threshold.
    threshold_curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    metric_marts: dict[str, str] = field(default_factory=dict)  # metric -> dbt model
    warehouse: str = ""
    generated_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat("T", "seconds")
    )
    data_docs_index: str = ""  # absolute paths; the report links them relatively
    dbt_docs_index: str = ""
    run_results: str = ""
    dbt_project: str = "ml_product_metrics"
    costs: dict = field(default_factory=dict)  # cost_false_positive, cost_false_negative


def _table_exists(con, schema: str, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        > 0
    )


def read_threshold_curve(warehouse: Path, min_label_coverage: float) -> pd.DataFrame:
    """Per classification model and version, the threshold curve of its latest day whose
    labels are mature (label_coverage at or above the declared minimum; the
    latest day with any labels when none is), with that day's serving
    threshold. Empty when the marts do not exist."""
    con = connect(warehouse, read_only=True)
    try:
        if not (_table_exists(con, *CURVE_MART) and _table_exists(con, *CLASSIFICATION_MART)):
            return pd.DataFrame()
        return con.execute(
            f"""
            with days as (
                select
                    model_name,
                    metric_date,
                    serving_threshold,
                    row_number() over (
                        partition by model_name
                        order by (coalesce(label_coverage, 0) >= ?) desc, metric_date desc
                    ) as pick
                from {".".join(CLASSIFICATION_MART)}
                where model_version = '__all__' and segment = '__all__' and n_labeled > 0
            )
            select
                c.model_name,
                c.model_version,
                cast(c.metric_date as varchar) as metric_date,
                c.threshold,
                c.precision,
                c.recall,
                c.f1,
                c.expected_cost,
                c.is_cost_optimal,
                m.serving_threshold
            from {".".join(CURVE_MART)} as c
            inner join days as d
                on c.model_name = d.model_name and c.metric_date = d.metric_date and d.pick = 1
            left join {".".join(CLASSIFICATION_MART)} as m
                on
                    c.model_name = m.model_name
                    and c.metric_date = m.metric_date
                    and c.model_version = m.model_version
                    and c.segment = m.segment
            where c.segment = '__all__'
            order by c.model_name, c.model_version, c.threshold
            """,
            [min_label_coverage],
        ).df()
    finally:
        con.close()
