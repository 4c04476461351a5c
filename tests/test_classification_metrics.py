"""Every classification metric of classification_metrics_daily equals the
reference (sklearn / numpy) for every day, version, segment and rollup, on
generated data with ties, a one-class day, a day without labels and tiny
segments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import precision_score, recall_score

from python_checks.checks.reconciliation import COMPARED
from python_checks.stats.reference import classification_metrics, relative_difference
from tests.conftest import dbt_build, failing_dbt_tests, query, write_warehouse
from tests.fixtures.classification_data import classification_frames

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("classification")
    frames = classification_frames(seed=3)
    warehouse = write_warehouse(root / "wh.duckdb", frames)
    results = dbt_build(warehouse, root / "artifacts")
    rows = query(warehouse, "select * from intermediate.int_classification_predictions")
    mart = query(warehouse, "select * from marts.classification_metrics_daily")
    return warehouse, results, rows, mart


def _subset(rows: pd.DataFrame, group) -> pd.DataFrame:
    subset = rows[(rows.metric_date == group.metric_date) & (rows.model_name == group.model_name)]
    if group.model_version != "__all__":
        subset = subset[subset.model_version == group.model_version]
    if group.segment != "__all__":
        subset = subset[subset.segment == group.segment]
    return subset


def _null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_dbt_tests_pass(built):
    _, results, _, _ = built
    assert failing_dbt_tests(results) == []


@pytest.mark.parametrize("metric", COMPARED)
def test_metric_equals_reference(built, metric):
    _, _, rows, mart = built
    assert len(mart) > 40  # 5 days x (versions x segments + rollups)
    mismatches = []
    for group in mart.itertuples(index=False):
        expected = classification_metrics(_subset(rows, group))[metric]
        actual = getattr(group, metric)
        actual = None if _null(actual) else float(actual)
        if relative_difference(actual, expected) > TOLERANCE:
            mismatches.append(
                (group.metric_date, group.model_version, group.segment, actual, expected)
            )
    assert mismatches == []


def test_undefined_values_are_null(built):
    _, _, _, mart = built
    rollup = mart[(mart.model_version == "__all__") & (mart.segment == "__all__")]
    by_day = rollup.set_index(rollup.metric_date.astype(str))
    one_class_day, no_label_day = "2026-03-03", "2026-03-04"
    assert _null(by_day.loc[one_class_day, "auc_roc"])  # one class
    assert _null(by_day.loc[one_class_day, "recall"])  # no positives
    assert _null(by_day.loc[one_class_day, "average_precision"])
    assert by_day.loc[one_class_day, "precision"] == 0.0  # positives served, none real
    for metric in ("auc_roc", "average_precision", "log_loss", "brier_score", "ece"):
        assert _null(by_day.loc[no_label_day, metric])
    assert by_day.loc[no_label_day, "n_predictions"] == 420


def test_every_day_has_the_all_rollup(built):
    _, _, rows, mart = built
    rollup = mart[(mart.model_version == "__all__") & (mart.segment == "__all__")]
    assert set(rollup.metric_date) == set(rows.metric_date)
    assert (rollup.n_predictions.sum()) == len(rows)


def test_threshold_curve_matches_sklearn(built):
    warehouse, _, rows, _ = built
    curve = query(
        warehouse,
        "select * from marts.classification_threshold_curve "
        "where model_version = '__all__' and segment = '__all__'",
    )
    assert sorted(curve.threshold.round(2).unique()) == [round(0.05 * i, 2) for i in range(1, 20)]
    for point in curve.itertuples(index=False):
        day = rows[
            (rows.metric_date == point.metric_date) & rows.label.notna() & rows.score.notna()
        ]
        y = day.label.astype(int).to_numpy()
        y_hat = (day.score.to_numpy() >= point.threshold).astype(int)
        if y_hat.sum():
            assert point.precision == pytest.approx(precision_score(y, y_hat), rel=1e-12)
        else:
            assert _null(point.precision)
        if y.sum():
            assert point.recall == pytest.approx(recall_score(y, y_hat), rel=1e-12)
    # The cost-optimal threshold minimises 5·FP + 1·FN (dbt_project.yml costs).
    for _, day_curve in curve.groupby("metric_date"):
        best = day_curve[day_curve.is_cost_optimal]
        assert len(best) == 1
        assert best.expected_cost.iloc[0] == day_curve.expected_cost.min()
        costs = 5.0 * day_curve.false_positives + 1.0 * day_curve.false_negatives
        np.testing.assert_allclose(costs, day_curve.expected_cost)
