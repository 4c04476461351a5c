"""Series derived from metrics_daily for rules that bound a movement rather
than a level: `change` (last N days against the N before, which catches a
slow slide that never crosses a fixed floor) and `band` (z-score against
the slice's own first days, so the bound adapts to each metric's noise).

Both work per slice (model, version, segment, feature) on the days that
have a value; a day without enough history yields no row, so it is never
checked and never passes by default."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_checks.declare.thresholds import Rule

SLICE = ["model_name", "model_version", "segment", "metric_name", "feature_name"]


def derive(rows: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """Rows of `rule.checked_metric`, same columns as metrics_daily."""
    if rule.kind == "static" or rows.empty:
        return rows
    derive_slice = _change if rule.kind == "change" else _band
    parts = [
        derive_slice(group.sort_values("metric_date"), rule)
        for _, group in rows.groupby(SLICE, dropna=False, sort=True)
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return rows.iloc[0:0]
    out = pd.concat(parts, ignore_index=True)
    out["metric_name"] = rule.checked_metric
    return out


def _change(series: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    values = series["metric_value"].astype(float)
    n = rule.window
    recent = values.rolling(n, min_periods=n).mean()
    before = recent.shift(n)
    out = series.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["metric_value"] = np.where(before.abs() > 0, recent / before - 1.0, np.nan)
    out["sample_size"] = series["sample_size"].rolling(2 * n, min_periods=2 * n).sum()
    return out[before.notna() & recent.notna()]


# Relative to the reference mean; the same in rule_verdicts_daily's band_series.
NO_SPREAD = 1e-12


def _band(series: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    values = series["metric_value"].astype(float)
    reference = values.dropna().iloc[: rule.reference_days]
    if len(reference) < rule.reference_days:
        return series.iloc[0:0]
    mean, std = reference.mean(), reference.std(ddof=1)
    out = series.copy()
    # A spread within rounding of zero is no spread (equal reference values
    # give 0 or 1e-17 depending on the engine's summation): no band.
    spread = std > NO_SPREAD * max(abs(mean), 1.0)
    out["metric_value"] = (values - mean) / std if spread else np.nan
    return out[values.notna()]
