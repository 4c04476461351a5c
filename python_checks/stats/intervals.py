"""Small statistics the alerting needs, vectorised over a run's rows:
Wilson intervals for proportions and Benjamini-Hochberg over p-values."""

from __future__ import annotations

import numpy as np


def wilson_interval(
    proportion: np.ndarray, n: np.ndarray, z: float = 1.96
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a proportion observed on n trials.

    Unlike p ± z·√(p(1−p)/n) it stays inside [0, 1] and does not collapse to
    a point at p = 0 or 1, so a tiny day gets a wide interval. n ≤ 0 or a
    missing value gives (nan, nan).
    """
    p = np.asarray(proportion, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = z * z
        denominator = 1.0 + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
        valid = (n > 0) & np.isfinite(p)
        low = np.where(valid, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(valid, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def wilson_checked_value(
    value: np.ndarray,
    n: np.ndarray,
    low_bound: float | None,
    high_bound: float | None,
    z: float = 1.96,
) -> np.ndarray:
    """The point of the Wilson interval closest to the allowed range.

    Checking it against [low_bound, high_bound] breaches exactly when the
    whole interval lies outside the bound: the interval's upper end when it
    is below the minimum, its lower end when it is above the maximum, and
    otherwise a value inside the range.
    """
    low, high = wilson_interval(value, n, z)
    return nearest_in_interval(value, low, high, low_bound, high_bound)


def hanley_mcneil_interval(
    auc: np.ndarray, positives: np.ndarray, negatives: np.ndarray, z: float = 1.96
) -> tuple[np.ndarray, np.ndarray]:
    """AUC ± z·SE with Hanley & McNeil's (1982) standard error:
    SE² = (A(1−A) + (n₊−1)(Q₁−A²) + (n₋−1)(Q₂−A²)) / (n₊·n₋), Q₁ = A/(2−A),
    Q₂ = 2A²/(1+A); clipped to [0, 1]. A class with no rows gives (nan, nan)."""
    a = np.asarray(auc, dtype=float)
    n1 = np.asarray(positives, dtype=float)
    n0 = np.asarray(negatives, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        q1 = a / (2 - a)
        q2 = 2 * a * a / (1 + a)
        variance = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0)
        half = z * np.sqrt(np.maximum(variance, 0.0))
        valid = (n1 > 0) & (n0 > 0) & np.isfinite(a)
        low = np.where(valid, np.clip(a - half, 0.0, 1.0), np.nan)
        high = np.where(valid, np.clip(a + half, 0.0, 1.0), np.nan)
    return low, high


def nearest_in_interval(
    value: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    low_bound: float | None,
    high_bound: float | None,
) -> np.ndarray:
    """The point of [low, high] closest to the allowed range: checked
    against the bound, it breaches exactly when the whole interval is
    outside. NaN where the interval is undefined."""
    checked = np.asarray(value, dtype=float).copy()
    if low_bound is not None:
        checked = np.where(high < low_bound, high, np.maximum(checked, low_bound))
    if high_bound is not None:
        checked = np.where(low > high_bound, low, np.minimum(checked, high_bound))
    return np.where(np.isfinite(low), checked, np.nan)


def share_pvalues(
    value: np.ndarray, n: np.ndarray, low_bound: float | None, high_bound: float | None
) -> np.ndarray:
    """One-sided p-values of shares against their bound (normal
    approximation at the bound): below the minimum, P(a share this low |
    true share = min); above the maximum, likewise; inside the range, 1."""
    from scipy.stats import norm

    p = np.asarray(value, dtype=float)
    n = np.asarray(n, dtype=float)
    out = np.ones(len(p))
    with np.errstate(divide="ignore", invalid="ignore"):
        if low_bound is not None:
            se = np.sqrt(low_bound * (1 - low_bound) / n)
            below = p < low_bound
            out = np.where(below, norm.cdf((p - low_bound) / se), out)
        if high_bound is not None:
            se = np.sqrt(high_bound * (1 - high_bound) / n)
            above = p > high_bound
            out = np.where(above, norm.sf((p - high_bound) / se), out)
    return np.where(np.isfinite(p) & (n > 0), np.nan_to_num(out, nan=0.0), np.nan)


def benjamini_hochberg(pvalues: np.ndarray, fdr: float) -> tuple[np.ndarray, float]:
    """Which hypotheses BH rejects at false discovery rate `fdr`, and the
    p-value cut-off it used (0 when nothing is rejected).

    Sort the m p-values, find the largest rank k with p_(k) <= k/m · fdr and
    reject the k smallest.
    """
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    if m == 0:
        return np.zeros(0, dtype=bool), 0.0
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    below = ranked <= np.arange(1, m + 1) / m * fdr
    if not below.any():
        return np.zeros(m, dtype=bool), 0.0
    k = int(np.flatnonzero(below).max()) + 1
    cutoff = float(ranked[k - 1])
    reject = np.zeros(m, dtype=bool)
    reject[order[:k]] = True
    return reject, cutoff


def persistent_checked_value(
    checked: np.ndarray,
    low_bound: float | None,
    high_bound: float | None,
    k: int,
    n: int,
) -> np.ndarray:
    """Persistence (k of n) over one slice's evaluated days, in day order.

    A day keeps its checked value (and so breaches) only when it is outside
    [low_bound, high_bound] and at least k of the last n days (itself
    included) are; otherwise its value is moved into the range, so it
    passes. NaN stays NaN (never a pass).
    """
    values = np.asarray(checked, dtype=float)
    outside = np.zeros(len(values), dtype=bool)
    if low_bound is not None:
        outside |= values < low_bound
    if high_bound is not None:
        outside |= values > high_bound
    counts = np.convolve(outside.astype(int), np.ones(n, dtype=int))[: len(values)]
    keep = outside & (counts >= k)
    inside = values.copy()
    if low_bound is not None:
        inside = np.maximum(inside, low_bound)
    if high_bound is not None:
        inside = np.minimum(inside, high_bound)
    return np.where(keep | np.isnan(values), values, inside)
