"""change and band rules: derived series computed exactly as declared."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_checks.declare.thresholds import Rule
from python_checks.stats.derived import derive


def _series(values, segment="__all__"):
    days = pd.date_range("2026-01-01", periods=len(values), freq="D")
    return pd.DataFrame(
        {
            "metric_date": days,
            "model_name": "home_feed",
            "model_version": "__all__",
            "segment": segment,
            "layer": "feedback_loop",
            "metric_name": "catalog_coverage_at_10",
            "feature_name": "",
            "metric_value": values,
            "sample_size": 100,
        }
    )


def test_change_is_mean_of_last_window_over_the_window_before_minus_one():
    values = [1.0, 1.0, 1.0, 0.8, 0.6, 0.4]
    rule = Rule("r1", "home_feed", "catalog_coverage_at_10", kind="change", window=3, min=-0.2)
    out = derive(_series(values), rule)
    assert out["metric_name"].unique().tolist() == ["catalog_coverage_at_10:change_3d"]
    assert out["metric_date"].dt.day.tolist() == [6]  # the first day with 2 full windows
    assert out["metric_value"].iloc[0] == pytest.approx((0.8 + 0.6 + 0.4) / 3 / 1.0 - 1)
    assert out["sample_size"].iloc[0] == 600


def test_change_is_computed_per_slice():
    frame = pd.concat([_series([1, 1, 2, 2]), _series([2, 2, 1, 1], segment="ios")])
    rule = Rule("r1", "home_feed", "catalog_coverage_at_10", kind="change", window=2, min=-0.2)
    out = derive(frame, rule).set_index("segment")["metric_value"]
    assert out["__all__"] == pytest.approx(1.0) and out["ios"] == pytest.approx(-0.5)


def test_band_is_z_score_against_the_first_days():
    values = [1.0, 2.0, 3.0, 10.0]
    rule = Rule("r1", "m", "catalog_coverage_at_10", kind="band", reference_days=3, max=3)
    out = derive(_series(values), rule)
    ref = np.array(values[:3])
    expected = (np.array(values) - ref.mean()) / ref.std(ddof=1)
    np.testing.assert_allclose(out["metric_value"], expected)


def test_band_without_enough_reference_yields_nothing():
    rule = Rule("r1", "m", "catalog_coverage_at_10", kind="band", reference_days=7, max=3)
    assert derive(_series([1.0, 2.0]), rule).empty


def test_constant_reference_gives_undefined_not_infinite():
    rule = Rule("r1", "m", "catalog_coverage_at_10", kind="band", reference_days=2, max=3)
    out = derive(_series([1.0, 1.0, 5.0]), rule)
    assert out["metric_value"].isna().all()
