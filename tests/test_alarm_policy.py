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
