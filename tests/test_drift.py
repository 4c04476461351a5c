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

from python_checks import paths
from python_checks.declare.thresholds import load_thresholds
from python_checks.errors import ConfigError
from python_checks.stats.intervals import benjamini_hochberg, wilson_checked_value, wilson_interval
from tests.conftest import dbt_build, failing_dbt_tests, query, write_warehouse
from tests.fixtures.drift_data import drift_frames, observations
from tests.fixtures.drift_oracle import categorical, expected_drift, ks, psi_numeric

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
    assert failing_dbt_tests(results) == []


def test_every_expected_value_is_published(built):
    _, published, expected, _ = built
    merged = expected.merge(
        published, on=["model_name", "metric_date", "feature_name", "metric_name"], how="left"
    )
    # null exactly where scipy gives nan (ks_pvalue at effective size 0)
    mismatch = merged["metric_value"].isna() != merged["expected"].isna()
    assert not mismatch.any(), merged[mismatch]
    assert merged["expected"].isna().sum() == 2  # model single: its feature and prediction
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
    merged = merged[merged.expected.notna()]
    error = (merged.metric_value - merged.expected).abs()
    assert error.max() <= PVALUE_ABSOLUTE, merged.loc[error.idxmax()]


def test_ks_pvalue_on_tiny_days_is_scipys_exactly(built):
    """Days of 1, 2, 3, 5, 7 and 12 rows against a 31-row reference: the
    effective size is 1 to 9, where the exact pieces of the seed apply (the
    series alone was up to 0.03 off there); a single row against itself
    (effective size 0) is null, as scipy's nan."""
    _, published, expected, _ = built
    on = ["model_name", "metric_date", "feature_name", "metric_name"]
    merged = expected[expected.metric_name == "ks_pvalue"].merge(published, on=on)
    tiny = merged[merged.model_name == "tiny"]
    assert set(tiny.sample_size) == {1, 2, 3, 5, 7, 12}
    assert tiny.metric_value.notna().all()
    error = (tiny.metric_value - tiny.expected).abs()
    assert error.max() <= 1e-9, tiny.loc[error.idxmax()]
    assert tiny.metric_value.nunique() > 10  # not all 1.0: the days moved
    single = merged[merged.model_name == "single"]
    assert len(single) == 2 and single.metric_value.isna().all()
    assert single.expected.isna().all()


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
        # one day: model tiny's 5-row reference against its other 5-row day
        # gives en = 2.5, which must round to 2 (to 3, p is 0.1 off)
        (
            {"mode": "fixed_range", "start": "2026-01-04", "end": "2026-01-04"},
            lambda day, d: d == dt.date(2026, 1, 4),
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

SMALL_N_SEED = paths.PROJECT_ROOT / "seeds" / "ks_small_n_sf.csv"


def ks_pvalue_sql(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The model's p-value expression (macro ks_pvalue, the seed left-joined
    on the macro's interval) on DuckDB for each (n, d)."""
    import duckdb
    import jinja2

    macros = "\n".join(
        (paths.PROJECT_ROOT / "macros" / "drift" / name).read_text()
        for name in ("ks_pvalue_asymp.sql", "ks_pvalue.sql")
    )
    module = jinja2.Environment(extensions=["jinja2.ext.do"]).from_string(macros).module
    frame = pd.DataFrame({"i": np.arange(len(d)), "n": np.asarray(n, float), "d": d})
    con = duckdb.connect()
    con.register("grid", frame)
    con.execute(
        f"create table piece as select * from read_csv('{SMALL_N_SEED}', header = true, "
        "columns = {'n': 'bigint', 'interval_index': 'bigint', "
        + ", ".join(f"'c{i}': 'double'" for i in range(int(module.ks_sf_width())))
        + "})"
    )
    sql = (
        f"select grid.i, {module.ks_pvalue('grid.d', 'grid.n', 'piece')} as p from grid "
        "left join piece on cast(grid.n as bigint) = piece.n "
        f"and {module.ks_sf_interval('grid.d', 'grid.n')} = piece.interval_index order by grid.i"
    )
    return con.execute(sql).df()["p"].to_numpy(dtype=float, na_value=np.nan)


def ks_grid(n: int, rng: np.random.Generator, points: int) -> np.ndarray:
    """Statistics to try at effective size n: every piece boundary i/(2n)
    (what equal samples of 2n give; just off it too where the seed's pieces
    apply), attainable values i/(n(n+1)) of samples n + 1 and n(n + 1)
    (effective size n; all of them up to n = 20), random d and random
    z = sqrt(n) d over the p-values' range."""
    edges = np.arange(0, 2 * n + 1) / (2 * n)
    near = np.concatenate([edges + 1e-12, edges - 1e-12]) if n <= 20 else []
    if n > 200:
        edges = rng.choice(edges, points, replace=False)
    lcm = n * (n + 1)
    attainable = np.arange(0, lcm + 1) / lcm
    if n > 20 and len(attainable) > points:
        attainable = rng.choice(attainable, points, replace=False)
    return np.unique(
        np.concatenate(
            [
                edges,
                np.clip(near, 0, 1),
                attainable,
                rng.uniform(0, 1, points),
                rng.uniform(0, 4.3, points) / np.sqrt(n),
            ]
        )
    )


def test_ks_small_n_seed_matches_the_macro():
    header = SMALL_N_SEED.read_text().splitlines()[0].split(",")
    seed = pd.read_csv(SMALL_N_SEED)
    width = (paths.PROJECT_ROOT / "macros" / "drift" / "ks_pvalue.sql").read_text()
    assert "{% macro ks_sf_width() -%}" + str(len(header) - 2) + "{%- endmacro %}" in width
    assert header[:2] == ["n", "interval_index"]
    n0 = seed.n.max()
    # every piece of every n <= N0 is there, once
    assert len(seed) == n0 * n0 and not seed.duplicated(["n", "interval_index"]).any()
    assert (seed.groupby("n").interval_index.max() == 2 * np.arange(1, n0 + 1) - 1).all()


def test_ks_pvalue_macro_over_a_grid():
    """Every effective size 1 to 200 and some up to 5000, at every piece
    boundary, attainable and random statistics: within 1e-3 of scipy
    everywhere, within 1e-9 where the seed's exact pieces apply."""
    rng = np.random.default_rng(5)
    sizes = list(range(1, 201)) + [250, 333, 499, 500, 999, 1000, 2000, 2625, 4999, 5000]
    grids = [(n, ks_grid(n, rng, 40 if n <= 200 else 300)) for n in sizes]
    n = np.concatenate([np.full(len(d), k) for k, d in grids])
    d = np.concatenate([d for _, d in grids])
    got = ks_pvalue_sql(n, d)
    expected = kstwo.sf(d, n)
    error = np.abs(got - expected)
    worst = int(np.argmax(error))
    assert error[worst] <= PVALUE_ABSOLUTE, (n[worst], d[worst], got[worst], expected[worst])
    n0 = pd.read_csv(SMALL_N_SEED).n.max()
    small = n <= n0
    assert np.max(error[small]) <= 1e-9
    assert np.max(error[n > n0]) <= 2e-4  # the series, above the seed


def test_ks_pvalue_edges():
    n = np.array([0, 1, 1, 1, 1, 5, 5, 5, 3, 3, 200, 200, 7])
    d = np.array([0.5, 0.0, 0.5, 0.75, 1.0, 0.1, 0.05, 1.0, 1 / 3, 2 / 3, 0.0025, 0.999, -0.0])
    got = ks_pvalue_sql(n, d)
    assert np.isnan(got[0])  # effective size 0: scipy's nan, null
    expected = kstwo.sf(d[1:], n[1:])
    np.testing.assert_allclose(got[1:], expected, rtol=0, atol=1e-12)
    assert got[4] == 0.0 and got[1] == 1.0 and got[2] == 1.0


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
    band, share = load_thresholds(path).rules
    assert (band.min, band.max) == (-3.0, 3.0)
    assert share.proportion and "Wilson" in share.describe()
    path.write_text("rules:\n  - {model: m, metric: psi, k: 3}\n")
    with pytest.raises(ConfigError, match="k needs kind band"):
        load_thresholds(path)
