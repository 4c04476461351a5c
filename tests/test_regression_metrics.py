"""regression_metrics_daily equals sklearn for every day, version, segment
and rollup (tests/fixtures/task_data.py: zero and constant true values,
a single-row segment, revised labels, a day without labels)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from tests.fixtures.task_data import DAYS
from tests.fixtures.task_reference import (
    REGRESSION,
    SERVING,
    build_task_warehouse,
    compare,
    latest_labels,
    report_max_relative_error,
    serving,
    subset_of,
    task_rows,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_task_warehouse(tmp_path_factory)


def test_regression_equals_sklearn(built):
    frames, _, marts, _ = built
    rows = task_rows(frames, "regression")
    labels = latest_labels(frames)
    labels = labels[labels.prediction_id.notna()].drop_duplicates("prediction_id", keep="last")
    rows["actual"] = rows["prediction_id"].map(labels.set_index("prediction_id")["actual_value"])
    mart = marts["regression_metrics_daily"]

    def expected(group):
        subset = subset_of(rows, group)
        scored = subset[subset.actual.notna()]
        y, p = scored.actual.to_numpy(float), scored.predicted_value.to_numpy(float)
        nonzero = y != 0
        out = serving(subset, subset.actual.notna())
        if len(y) == 0:
            return out | dict.fromkeys(REGRESSION)
        out["mae"] = skm.mean_absolute_error(y, p)
        out["rmse"] = math.sqrt(skm.mean_squared_error(y, p))
        out["mean_error"] = float(np.mean(p - y))
        out["mape"] = (
            skm.mean_absolute_percentage_error(y[nonzero], p[nonzero]) if nonzero.any() else None
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # undefined (null) with one row or constant actuals: sklearn nan / force_finite
            r2 = skm.r2_score(y, p, force_finite=False)
        out["r2"] = float(r2) if np.isfinite(r2) else None
        return out

    assert compare(mart, expected, list(REGRESSION) + list(SERVING)) == []
    rollup = mart[(mart.model_version == "__all__") & (mart.segment == "__all__")]
    assert rollup.r2.notna().sum() == 3  # the no-label day has none
    constant = mart[
        (mart.metric_date.astype(str) == str(DAYS[1].date())) & (mart.model_version == "b")
    ]
    assert constant.r2.isna().all() and constant.mae.notna().all()
    lonely = mart[mart.segment == "tv"]
    assert lonely.r2.isna().all() and (lonely.n_scored == 1).all()


def test_report_max_relative_error(built):
    """Runs last in the module: print the largest relative error per metric."""
    report_max_relative_error(("mae", "rmse", "mape", "mean_error", "r2"))
