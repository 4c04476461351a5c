"""The drift marts equal the contract's definitions (numpy quantile edges,
scipy's ks_2samp and jensenshannon) on a warehouse the demo generator did
not make, for every model, day and feature, and the alerting statistics
(Wilson, Benjamini-Hochberg) equal hand-computed cases."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kstwo

from python_checks import config, paths
from python_checks.errors import ConfigError
from python_checks.stats import benjamini_hochberg, wilson_checked_value, wilson_interval
from tests.conftest import dbt_build, query, write_warehouse
from tests.drift_data import drift_frames, observations
from tests.drift_oracle import categorical, expected_drift, ks, psi_numeric

RELATIVE = 1e-9
PVALUE_ABSOLUTE = 1e-3


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("drift")
    frames = drift_frames()
    warehouse = write_warehouse(root / "wh.duckdb", frames)
    results = dbt_build(warehouse, root / "artifacts")
    published = query(
        warehouse,
        "select metric_date, model_name, metric_name, feature_name, metric_value, sample_size "
        "from main.metrics_daily where layer = 'drift' and model_version = '__all__' "
        "and segment = '__all__' and metric_name in ('psi', 'ks_statistic', 'ks_pvalue', "
        "'js_distance')",
    )
    published["metric_date"] = pd.to_datetime(published["metric_date"]).dt.date
    expected = expected_drift(observations(frames))
    return results, published, expected, warehouse


def test_dbt_tests_pass(built):
    results, _, _, _ = built
    failing = [r.message for r in results if r.status != "passed" and r.severity == "error"]
    assert failing == []


def test_every_expected_value_is_published(built):
    _, published, expected, _ = built
    merged = expected.merge(
        published, on=["model_name", "metric_date", "feature_name", "metric_name"], how="left"
    )
    assert merged["metric_value"].notna().all(), merged[merged["metric_value"].isna()]
    assert len(expected) > 200


@pytest.mark.parametrize("metric", ["psi", "ks_statistic", "js_distance"])
def test_metric_equals_numpy_scipy(built, metric):
    _, published, expected, _ = built
    merged = expected[expected.metric_name == metric].merge(
        published, on=["model_name", "metric_date", "feature_name", "metric_name"]
    )
    assert len(merged) >= 10
    error = (merged.metric_value - merged.expected).abs() / merged.expected.abs().clip(lower=1e-12)
    worst = merged.loc[error.idxmax()]
    assert error.max() <= RELATIVE, worst


def test_ks_pvalue_within_1e_3_of_scipy_asymp(built):
    _, published, expected, _ = built
    merged = expected[expected.metric_name == "ks_pvalue"].merge(
        published, on=["model_name", "metric_date", "feature_name", "metric_name"]
    )
    error = (merged.metric_value - merged.expected).abs()
    assert error.max() <= PVALUE_ABSOLUTE, merged.loc[error.idxmax()]


def test_shifted_inputs_show_as_drift(built):
    _, published, _, _ = built
    psi = published[(published.metric_name == "psi") & (published.model_name == "clf")]
    late = psi[pd.to_datetime(psi.metric_date) >= "2026-01-08"]
    by_feature = late.groupby("feature_name")["metric_value"].min()
    assert by_feature["cat"] > 0.2  # a new category takes a quarter of the day
    assert by_feature["const"] == 0.0  # a constant feature never drifts


def test_empty_day_keeps_its_row_with_nulls(built):
    _, published, _, _ = built
    gap = published[
        (published.feature_name == "gappy")
        & (pd.to_datetime(published.metric_date) == "2026-01-06")
    ]
    assert set(gap.metric_name) == {"psi", "ks_statistic", "ks_pvalue"}
    assert gap["metric_value"].isna().all() and (gap["sample_size"] == 0).all()


def test_reference_of_a_model_with_a_gap_is_its_first_seven_days_with_data(built):
    _, published, _, _ = built
    reg = published[(published.model_name == "reg") & (published.feature_name == "size")]
    # 9 days of data, the first 7 pooled: every day has a value.
    assert reg.metric_date.nunique() == 9


# ---------- the other reference windows: trailing and a fixed date range


@pytest.mark.parametrize(
    "reference, window",
    [
        # 3 days ending 1 day before the metric day; equal-sized samples of odd
        # size make en = n/2 exactly, which scipy rounds half to even
        ({"mode": "trailing", "days": 3, "lag_days": 1}, lambda day, d: 1 <= (day - d).days <= 3),
        (
            {"mode": "fixed_range", "start": "2026-01-02", "end": "2026-01-04"},
            lambda day, d: dt.date(2026, 1, 2) <= d <= dt.date(2026, 1, 4),
        ),
    ],
)
def test_other_reference_windows(built, tmp_path, reference, window):
    _, _, _, warehouse = built
    copy = tmp_path / "wh.duckdb"
    shutil.copy(warehouse, copy)
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "run",
            "--profiles-dir",
            str(paths.PROJECT_ROOT),
            "--project-dir",
            str(paths.PROJECT_ROOT),
            "--target-path",
            str(tmp_path / "target"),
            "-q",
            "--select",
            "path:models/intermediate/drift",
            "path:models/marts/drift",
            "--vars",
            json.dumps({"drift_reference": reference}),
        ],
        env={**os.environ, "WAREHOUSE_PATH": str(copy)},
        check=True,
        capture_output=True,
    )
    got = pd.concat(
        [
            query(copy, "select * from marts.drift_numeric_daily"),
            query(copy, "select * from marts.drift_categorical_daily"),
        ]
    )
    got["metric_date"] = pd.to_datetime(got["metric_date"]).dt.date
    obs = observations(drift_frames())
    checked = 0
    for (model, feature), rows in obs.groupby(["model_name", "feature_name"]):
        days = sorted(obs.loc[obs.model_name == model, "metric_date"].unique())
        for day in days:
            ref = rows[rows.metric_date.isin([d for d in days if window(day, d)])]
            cur = rows[rows.metric_date == day]
            if ref.empty or cur.empty:
                continue
            row = got[(got.model_name == model) & (got.feature_name == feature)]
            row = row[row.metric_date == day].iloc[0]
            if ref.numeric_value.notna().all():
                stat, p = ks(ref.numeric_value.to_numpy(), cur.numeric_value.to_numpy())
                psi = psi_numeric(ref.numeric_value.to_numpy(), cur.numeric_value.to_numpy())
                assert row.ks_statistic == pytest.approx(stat, rel=RELATIVE, abs=1e-15)
                assert abs(row.ks_pvalue - p) <= PVALUE_ABSOLUTE, (model, feature, day)
            else:
                psi, js = categorical(ref.category_value, cur.category_value)
                assert row.js_distance == pytest.approx(js, rel=RELATIVE, abs=1e-15)
            assert row.psi == pytest.approx(psi, rel=RELATIVE, abs=1e-15)
            checked += 1
    assert checked > 50


# ---------- the asymptotic p-value itself, over a grid, against kstwo.sf


def test_ks_pvalue_macro_over_a_grid(tmp_path):
    import duckdb

    macro = (paths.PROJECT_ROOT / "macros" / "drift" / "ks_pvalue_asymp.sql").read_text()
    import jinja2

    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    module = env.from_string(macro).module
    grid = [
        (n, d) for n in (13, 20, 50, 141, 500, 2625, 20000) for d in np.linspace(0.001, 0.99, 60)
    ]
    frame = pd.DataFrame(grid, columns=["n", "d"])
    con = duckdb.connect()
    con.register("grid", frame)
    sql = f"select n, d, {module.ks_pvalue_asymp('d', 'n')} as p from grid"
    out = con.execute(sql).df()
    expected = kstwo.sf(out.d, out.n)
    assert np.max(np.abs(out.p - expected)) <= PVALUE_ABSOLUTE


# ---------- Wilson and Benjamini-Hochberg on hand-computed cases


def test_wilson_interval_textbook_values():
    low, high = wilson_interval(np.array([0.8, 0.0, 0.5]), np.array([10, 10, 100]))
    # 8/10: 0.490 to 0.943; 0/10: 0 to 0.278; 50/100: 0.404 to 0.596 (95%)
    assert np.allclose(low, [0.4902, 0.0, 0.4038], atol=1e-4)
    assert np.allclose(high, [0.9433, 0.2775, 0.5962], atol=1e-4)
    low, high = wilson_interval(np.array([0.5]), np.array([0]))
    assert math.isnan(low[0]) and math.isnan(high[0])


def test_wilson_breach_only_when_the_whole_interval_is_outside():
    # 6/10 against min 0.8: the interval (0.313, 0.832) reaches 0.8, no breach
    small = wilson_checked_value(np.array([0.6]), np.array([10]), 0.8, None)
    assert small[0] >= 0.8
    # 600/1000: the interval (0.569, 0.630) is wholly below 0.8, breach at its top
    large = wilson_checked_value(np.array([0.6]), np.array([1000]), 0.8, None)
    assert large[0] == pytest.approx(0.6300, abs=1e-4)
    # a maximum: 3/10 against max 0.01 (interval from 0.108) breaches at its bottom
    above = wilson_checked_value(np.array([0.3]), np.array([10]), None, 0.01)
    assert above[0] == pytest.approx(0.1078, abs=1e-4)


@pytest.mark.parametrize(
    "pvalues, fdr, rejected, cutoff",
    [
        ([0.01, 0.04, 0.03, 0.20], 0.05, [True, False, False, False], 0.01),
        ([0.01, 0.04, 0.03, 0.20], 0.20, [True, True, True, True], 0.20),
        # step-up: 0.03 > 1/2 · 0.05 but 0.035 <= 2/2 · 0.05 rejects both
        ([0.035, 0.03], 0.05, [True, True], 0.035),
        ([0.5, 0.9], 0.05, [False, False], 0.0),
        ([], 0.05, [], 0.0),
    ],
)
def test_benjamini_hochberg_hand_cases(pvalues, fdr, rejected, cutoff):
    reject, used = benjamini_hochberg(np.array(pvalues), fdr)
    assert reject.tolist() == rejected
    assert used == cutoff


def test_band_k_and_proportion_rules_load(tmp_path):
    path = tmp_path / "thresholds.yml"
    path.write_text(
        "rules:\n"
        "  - {model: m, metric: psi, kind: band, k: 3}\n"
        "  - {model: m, metric: precision, min: 0.8, proportion: true}\n"
    )
    band, share = config.load_thresholds(path).rules
    assert (band.min, band.max) == (-3.0, 3.0)
    assert share.proportion and "Wilson" in share.describe()
    path.write_text("rules:\n  - {model: m, metric: psi, k: 3}\n")
    with pytest.raises(ConfigError, match="k needs kind band"):
        config.load_thresholds(path)
