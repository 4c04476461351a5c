"""How a daily series moved, and whether the move is beyond its noise.

A series is a pandas Series of daily values indexed by date. Its change on
day d is the mean of the `window` days ending on d minus the mean of the
`window` days before them (calendar days; missing days are skipped, but
each window needs `min_days` values). The noise is the standard error of
that difference from the day-to-day spread inside each window (Welch), so a
step change itself does not inflate the noise; a move is real when it
exceeds `z` standard errors and `min_relative_change` of the earlier mean.

Pure functions on plain series: the link, guardrail and Simpson checks use
them, and the tests drive them with hand-built series."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from python_checks.declare.links import MovementSettings


@dataclass(frozen=True)
class Movement:
    before: float
    after: float
    noise: float  # z x standard error of the change
    beyond_noise: bool
    days: tuple[str, str]  # first and last day of the later window

    @property
    def change(self) -> float:
        return self.after - self.before

    @property
    def direction(self) -> int:
        """+1 up, -1 down beyond noise; 0 within noise."""
        if not self.beyond_noise:
            return 0
        return 1 if self.change > 0 else -1

    def describe(self, better: int) -> str:
        if self.direction == 0:
            verb = "held"
        else:
            verb = "rose" if self.direction > 0 else "fell"
            verb += " (better)" if self.direction == better else " (worse)"
        relative = f", {self.change / abs(self.before):+.1%}" if self.before else ""
        return (
            f"{verb} {_fmt(self.before)} -> {_fmt(self.after)} "
            f"({self.change:+.4g}{relative}; noise ±{self.noise:.3g})"
        )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def as_series(frame: pd.DataFrame, value: str = "metric_value") -> pd.Series:
    """metric_date → value, nulls dropped, sorted."""
    if frame.empty:
        return pd.Series(dtype=float)
    series = pd.Series(
        frame[value].astype(float).to_numpy(),
        index=pd.to_datetime(frame["metric_date"]).dt.date,
    )
    return series[series.notna()].sort_index()


def movement(series: pd.Series, end: dt.date, settings: MovementSettings) -> Movement | None:
    """The change of `series` on day `end`, or None without enough days."""
    w = settings.window_days
    after_start = end - dt.timedelta(days=w - 1)
    before_start = after_start - dt.timedelta(days=w)
    index = pd.Index(series.index)
    after = series[(index >= after_start) & (index <= end)]
    before = series[(index >= before_start) & (index < after_start)]
    if len(after) < settings.min_days_per_window or len(before) < settings.min_days_per_window:
        return None
    mean_after, mean_before = float(after.mean()), float(before.mean())
    se = math.sqrt(after.var(ddof=1) / len(after) + before.var(ddof=1) / len(before))
    noise = settings.noise_z * se
    change = mean_after - mean_before
    beyond = abs(change) > noise and abs(change) > settings.min_relative_change * abs(mean_before)
    return Movement(
        before=mean_before,
        after=mean_after,
        noise=noise,
        beyond_noise=bool(beyond and change != 0),
        days=(str(after_start), str(end)),
    )


def rank_correlation(a: pd.Series, b: pd.Series, end: dt.date, days: int) -> float | None:
    """Spearman correlation of the two series over the `days` days ending on `end`
    (days where both have a value; None with fewer than 5 or a constant series)."""
    start = end - dt.timedelta(days=days - 1)
    joined = pd.concat([a, b], axis=1, join="inner").dropna()
    index = pd.Index(joined.index)
    joined = joined[(index >= start) & (index <= end)]
    if len(joined) < 5 or joined.iloc[:, 0].nunique() < 2 or joined.iloc[:, 1].nunique() < 2:
        return None
    rho = stats.spearmanr(joined.iloc[:, 0], joined.iloc[:, 1]).statistic
    return None if rho is None or np.isnan(rho) else float(rho)


def classify(model: Movement, model_better: int, business: Movement, business_better: int) -> str:
    """`diverged`, `regressed_together` or `consistent` for one linked pair on one day.

    diverged: one layer got better beyond its noise while the other got worse
    beyond its noise. regressed_together: both got worse beyond noise (the
    model regression reached users). Anything else is consistent."""
    m = model.direction * model_better  # +1 better, -1 worse, 0 held
    b = business.direction * business_better
    if m * b < 0:
        return "diverged"
    if m < 0 and b < 0:
        return "regressed_together"
    return "consistent"
