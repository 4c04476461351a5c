"""The estimated (label-free) classification metrics of
classification_estimated_daily equal the contract's definition computed in
numpy (tests/fixtures/estimated_reference.py) for every day, version,
segment and rollup, on data with late labels, a one-class day, ties,
two serving thresholds, a model whose reference leaves bins empty and one
without labels; they reach metrics_daily; and, the honest check, on the
days whose labels arrived the estimate is close to the realized metric
(the mean absolute error per metric is printed: run with -s)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from python_checks.stats.reference import relative_difference
from tests.conftest import dbt_build, failing_dbt_tests, query, write_warehouse
from tests.fixtures.estimated_data import N_DAYS, UNLABELED_DAYS, estimated_frames
from tests.fixtures.estimated_reference import ESTIMATED, calibrate, estimated_metrics

TOLERANCE = 1e-9
REFERENCE_DAYS = 7  # dbt_project.yml drift_reference: first_days, 7


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("estimated")
    warehouse = write_warehouse(root / "wh.duckdb", estimated_frames(seed=5))
    results = dbt_build(warehouse, root / "artifacts")
    rows = query(warehouse, "select * from intermediate.int_classification_predictions")
    mart = query(warehouse, "select * from marts.classification_estimated_daily")
    return warehouse, results, rows, mart


def _null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _calibrations(rows: pd.DataFrame) -> dict:
    calibrations = {}
    for model, model_rows in rows.groupby("model_name"):
        days = sorted(model_rows.metric_date.unique())[:REFERENCE_DAYS]
        ref = model_rows[model_rows.metric_date.isin(days) & model_rows.label.notna()]
        calibrations[model] = calibrate(ref.score.to_numpy(), ref.label.to_numpy(dtype=float))
    return calibrations


def _subset(rows: pd.DataFrame, group) -> pd.DataFrame:
    subset = rows[(rows.metric_date == group.metric_date) & (rows.model_name == group.model_name)]
    if group.model_version != "__all__":
        subset = subset[subset.model_version == group.model_version]
    if group.segment != "__all__":
        subset = subset[subset.segment == group.segment]
    return subset


def test_dbt_tests_pass(built):
    _, results, _, _ = built
    # A fixture built to exercise the metrics may breach a demo rule (its
    # drift is not the demo's): the declared rules' tests are those rules'
    # business, the structural tests must hold.
    assert failing_dbt_tests(results) == []


@pytest.mark.parametrize("metric", ESTIMATED)
def test_estimate_equals_reference(built, metric):
    _, _, rows, mart = built
    calibrations = _calibrations(rows)
    # 14 days x 3 models x (version x segment + version + segment + all), at least
    assert len(mart) > 14 * 3 * 4
    mismatches, defined = [], 0
    for group in mart.itertuples(index=False):
        subset = _subset(rows, group)
        edges, rates = calibrations[group.model_name]
        expected = estimated_metrics(
            subset.score.to_numpy(), subset.predicted_label.to_numpy(), edges, rates
        )[metric]
        actual = getattr(group, metric)
        actual = None if _null(actual) else float(actual)
        defined += actual is not None
        if relative_difference(actual, expected) > TOLERANCE:
            mismatches.append(
                (
                    group.metric_date,
                    group.model_name,
                    group.model_version,
                    group.segment,
                    actual,
                    expected,
                )  # fmt: skip
            )
    assert mismatches == []
    assert defined > 100


def test_every_prediction_counts_labeled_or_not(built):
    _, _, rows, mart = built
    rollup = mart[(mart.model_version == "__all__") & (mart.segment == "__all__")]
    assert rollup.n_predictions.sum() == len(rows)
    fraud = rollup[rollup.model_name == "fraud_model"].sort_values("metric_date")
    assert len(fraud) == N_DAYS
    # The newest days have no label at all and still have every estimate.
    late = fraud.tail(UNLABELED_DAYS)
    assert late[list(ESTIMATED)].notna().all().all()
    assert rows[rows.metric_date.isin(late.metric_date)].label.notna().sum() == 0


def test_no_estimate_without_a_calibrated_rate(built):
    _, _, _, mart = built
    unlabeled = mart[mart.model_name == "unlabeled_model"]
    assert len(unlabeled) > 0 and unlabeled[list(ESTIMATED)].isna().all().all()
    assert unlabeled.n_calibration.isna().all()
    # tiny_model's small reference leaves bins empty: days that hit one are null.
    tiny = mart[(mart.model_name == "tiny_model") & (mart.n_uncalibrated > 0)]
    assert len(tiny) > 0 and tiny[list(ESTIMATED)].isna().all().all()


def test_published_in_metrics_daily(built):
    warehouse, _, _, mart = built
    published = query(
        warehouse,
        "select * from main.metrics_daily where metric_name like 'estimated_%' "
        "and model_name = 'fraud_model'",
    )
    assert set(published.metric_name) == set(ESTIMATED)
    assert set(published.layer) == {"model_quality"}
    wide = mart[mart.model_name == "fraud_model"].melt(
        id_vars=["metric_date", "model_version", "segment"], value_vars=list(ESTIMATED)
    )
    merged = published.merge(
        wide, left_on=["metric_date", "model_version", "segment", "metric_name"],
        right_on=["metric_date", "model_version", "segment", "variable"],
    )  # fmt: skip
    assert len(merged) == len(wide)
    assert np.allclose(merged.metric_value, merged.value, equal_nan=True)


def estimation_errors(warehouse) -> pd.DataFrame:
    """Per metric: the mean absolute error of the estimate against the
    realized metric of fraud_model's __all__ rows on the days after the
    reference window whose labels arrived."""
    pairs = {
        "accuracy": "estimated_accuracy",
        "precision": "estimated_precision",
        "recall": "estimated_recall",
        "f1": "estimated_f1",
        "auc_roc": "estimated_auc_roc",
    }
    realized = query(
        warehouse,
        "select metric_date, accuracy, precision, recall, f1, auc_roc, label_coverage "
        "from marts.classification_metrics_daily where model_name = 'fraud_model' "
        "and model_version = '__all__' and segment = '__all__'",
    )
    estimated = query(
        warehouse,
        "select * from marts.classification_estimated_daily where model_name = 'fraud_model' "
        "and model_version = '__all__' and segment = '__all__'",
    )
    days = realized.merge(estimated, on="metric_date").sort_values("metric_date")
    days = days.iloc[REFERENCE_DAYS:]
    days = days[days.label_coverage > 0.5]
    table = pd.DataFrame(
        {
            "metric": list(pairs),
            "days": len(days),
            "mae": [float((days[e] - days[r]).abs().mean()) for r, e in pairs.items()],
        }
    )
    return table


def test_estimate_is_close_on_days_with_labels(built):
    warehouse, _, _, _ = built
    table = estimation_errors(warehouse)
    print("\nMAE of the SQL estimate vs realized (fraud_model, __all__, labeled days):")
    print(table.to_string(index=False))
    assert (table.days == N_DAYS - REFERENCE_DAYS - UNLABELED_DAYS).all()
    assert (table.mae < 0.08).all(), table


def test_without_the_optional_tables_the_gap_mart_is_empty(built):
    warehouse, results, _, _ = built
    assert query(warehouse, "select count(*) as n from marts.offline_online_gap_daily").n[0] == 0
    assert query(warehouse, "select count(*) as n from staging.stg_raw__model_versions").n[0] == 0
