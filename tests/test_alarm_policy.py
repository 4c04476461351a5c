"""The alarm policy a rule declares: persistence (k of the last n evaluated
days) on top of the bound and the Wilson interval."""

from __future__ import annotations

import numpy as np
import pytest

from python_checks.declare.thresholds import load_thresholds
from python_checks.errors import ConfigError
from python_checks.stats.intervals import persistent_checked_value


def test_persistence_keeps_a_breach_only_when_k_of_the_last_n_days_breach():
    values = np.array([0.7, 0.9, 0.7, 0.7, 0.9, 0.7, np.nan])
    checked = persistent_checked_value(values, 0.8, None, k=2, n=3)
    # outside: T F T T F T; in the last 3 days: 1 1 2 2 2 2
    np.testing.assert_array_equal(checked[:6], [0.8, 0.9, 0.7, 0.7, 0.9, 0.7])
    assert np.isnan(checked[6])  # undefined stays undefined, never a pass
    # 1 of 1 is the plain bound; a max bound is clipped from above
    np.testing.assert_array_equal(persistent_checked_value(values[:6], 0.8, None, 1, 1), values[:6])
    high = persistent_checked_value(np.array([5.0, 1.0, 6.0, 7.0]), None, 4.0, k=3, n=3)
    np.testing.assert_array_equal(high, [4.0, 1.0, 4.0, 4.0])
    high = persistent_checked_value(np.array([5.0, 6.0, 7.0]), None, 4.0, k=3, n=3)
    np.testing.assert_array_equal(high, [4.0, 4.0, 7.0])


def test_persistence_is_declared_per_rule(tmp_path):
    path = tmp_path / "thresholds.yml"
    path.write_text(
        "rules:\n"
        "  - {model: m, metric: auc_roc, min: 0.8, persistence: {k: 2, n: 3}}\n"
        "  - {model: m, metric: auc_roc, min: 0.8, persistence: {n: 2}}\n"
        "  - {model: m, metric: auc_roc, min: 0.8}\n"
    )
    rule, both, plain = load_thresholds(path).rules
    assert (rule.persistence_k, rule.persistence_n) == (2, 3)
    assert (both.persistence_k, both.persistence_n) == (2, 2)  # k defaults to n
    assert (plain.persistence_k, plain.persistence_n) == (1, 1)
    assert "2 of 3 days" in rule.describe()
    assert "at least 2 of the last 3 days breach" in rule.sentence("m")


@pytest.mark.parametrize(
    ("persistence", "message"),
    [
        ("{k: 3, n: 2}", "persistence.k 3 is above n 2"),
        ("{k: 0, n: 2}", "persistence.k must be a whole number between 1 and 60"),
        ("{n: 2, days: 3}", "unknown"),
        ("3", "persistence must be a mapping"),
    ],
)
def test_bad_persistence_is_a_config_error(tmp_path, persistence, message):
    path = tmp_path / "thresholds.yml"
    rule = f"{{model: m, metric: auc_roc, min: 0.8, persistence: {persistence}}}"
    path.write_text(f"rules:\n  - {rule}\n")
    with pytest.raises(ConfigError, match=message):
        load_thresholds(path)


def test_hanley_mcneil_se_matches_the_spread_of_simulated_aucs():
    """Binormal scores (positives N(1, 1), negatives N(0, 1)): the AUC's
    spread over 2000 simulated days is the Hanley-McNeil standard error."""
    from scipy.stats import norm, rankdata

    from python_checks.stats.intervals import hanley_mcneil_interval

    rng = np.random.default_rng(0)
    n1, n0 = 60, 90
    pos = rng.normal(1.0, 1.0, (2000, n1))
    neg = rng.normal(0.0, 1.0, (2000, n0))
    ranks = rankdata(np.hstack([pos, neg]), axis=1)[:, :n1]
    aucs = (ranks.sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)
    true_auc = norm.cdf(1 / np.sqrt(2))
    low, high = hanley_mcneil_interval(np.array([true_auc]), np.array([n1]), np.array([n0]), 1.0)
    se = (high[0] - low[0]) / 2
    assert se == pytest.approx(aucs.std(ddof=1), rel=0.1)
    assert np.isnan(hanley_mcneil_interval(np.array([0.8]), np.array([0]), np.array([5]))[0][0])


def _auc_metrics(auc: float, n: int, base_rate: float | None):
    import pandas as pd

    key = dict(metric_date=pd.Timestamp("2026-06-01"), model_name="m", model_version="__all__",
               segment="__all__", feature_name="", layer="model_quality")  # fmt: skip
    rows = [{**key, "metric_name": "auc_roc", "metric_value": auc, "sample_size": n}]
    if base_rate is not None:
        rows.append({**key, "metric_name": "base_rate", "metric_value": base_rate,
                     "sample_size": n})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("n", "base_rate", "status"),
    [(40, 0.5, "ok"), (4000, 0.5, "alarm"), (4000, None, "not_evaluated")],
)
def test_an_auc_dip_breaches_only_beyond_its_sampling_error(tmp_path, n, base_rate, status):
    from dataclasses import replace

    from python_checks import backtest, declare
    from python_checks.declare.catalog import MetricCatalog, MetricInfo

    path = tmp_path / "thresholds.yml"
    path.write_text(
        "rules:\n  - {model: m, metric: auc_roc, min: 0.75, sampling_error: hanley_mcneil}\n"
    )
    catalog = MetricCatalog(auc_roc=MetricInfo("auc_roc", "model_quality", "x", False))
    declared = replace(declare.load(thresholds_file=path), catalog=catalog)
    table = backtest.alarm_table(_auc_metrics(0.70, n, base_rate), declared)
    assert table["status"].tolist() == [status]
    if status == "not_evaluated":
        assert "no base_rate for its AUC interval" in table["reason"].iloc[0]


def test_hanley_mcneil_is_declared_on_auc_only(tmp_path):
    path = tmp_path / "thresholds.yml"
    path.write_text(
        "rules:\n  - {model: m, metric: auc_roc, min: 0.8, sampling_error: hanley_mcneil}\n"
    )
    (rule,) = load_thresholds(path).rules
    assert "Hanley-McNeil" in rule.describe() and "Hanley-McNeil interval" in rule.sentence("m")
    path.write_text(
        "rules:\n  - {model: m, metric: recall, min: 0.8, sampling_error: hanley_mcneil}\n"
    )
    with pytest.raises(ConfigError, match="hanley_mcneil bounds auc_roc"):
        load_thresholds(path)
    path.write_text("rules:\n  - {model: m, metric: auc_roc, min: 0.8, sampling_error: delong}\n")
    with pytest.raises(ConfigError, match="sampling_error must be none or hanley_mcneil"):
        load_thresholds(path)


def _segments(shares_and_sizes):
    import pandas as pd

    return pd.DataFrame(
        [
            dict(
                metric_date=pd.Timestamp("2026-06-01"),
                model_name="m",
                model_version="__all__",
                segment=f"s{i:02d}",
                feature_name="",
                layer="model_quality",
                metric_name="precision",
                metric_value=share,
                sample_size=n,
            )  # fmt: skip
            for i, (share, n) in enumerate(shares_and_sizes)
        ]
    )


@pytest.mark.parametrize(
    ("segments", "breached"),
    [
        # 19 segments a little under the floor (p ~ 0.31 each), one far under
        ([(0.78, 100)] * 19 + [(0.5, 400)], 1),
        # ten segments each clearly under (p ~ 0.006): BH rejects them all
        ([(0.70, 100)] * 10, 10),
        # one mildly low segment among many fine ones: no discovery
        ([(0.85, 100)] * 19 + [(0.74, 100)], 0),
    ],
)
def test_bh_across_segments_breaches_only_the_discoveries(tmp_path, segments, breached):
    from dataclasses import replace

    from python_checks import backtest, declare
    from python_checks.declare.catalog import MetricCatalog, MetricInfo

    path = tmp_path / "thresholds.yml"
    path.write_text(
        "rules:\n  - {model: m, metric: precision, segment: '*', min: 0.8, proportion: true,"
        " fdr: 0.05}\n"
    )
    catalog = MetricCatalog(precision=MetricInfo("precision", "model_quality", "x", False))
    declared = replace(declare.load(thresholds_file=path), catalog=catalog)
    (row,) = backtest.alarm_table(_segments(segments), declared).itertuples()
    assert (row.rows_evaluated, row.rows_breached) == (len(segments), breached)
    assert row.status == ("alarm" if breached else "ok")


def test_share_pvalues_are_one_sided_against_the_bound():
    from scipy.stats import norm

    from python_checks.stats.intervals import share_pvalues

    p = share_pvalues(np.array([0.7, 0.9, 0.85, 0.95]), np.array([100, 100, 100, 0]), 0.8, 0.9)
    assert p[0] == pytest.approx(norm.cdf(-0.1 / np.sqrt(0.8 * 0.2 / 100)))
    assert p[1] == 1.0 and p[2] == 1.0 and np.isnan(p[3])


def test_fdr_needs_a_proportion_rule(tmp_path):
    path = tmp_path / "thresholds.yml"
    path.write_text(
        "rules:\n  - {model: m, metric: precision, segment: '*', min: 0.8, proportion: true,"
        " fdr: 0.05}\n"
    )
    (rule,) = load_thresholds(path).rules
    assert rule.fdr == 0.05 and "BH FDR 0.05" in rule.describe()
    assert "Benjamini-Hochberg at FDR 0.05 over the day's slices" in rule.sentence("m")
    path.write_text("rules:\n  - {model: m, metric: precision, min: 0.8, fdr: 0.05}\n")
    with pytest.raises(ConfigError, match="fdr needs proportion: true"):
        load_thresholds(path)
