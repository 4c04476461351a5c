"""The scenarios and the simulated world's clock, volumes and random streams.

Every scenario is the healthy world plus one injection from the injection day
(`injection_day(days)`, day 20 of 30 by default, 0-based from `start_date`).
Random numbers come from one stream per (component, day) derived from the
seed, so a scenario leaves every day before its injection identical to
`healthy` and a change in one model never reshuffles another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

SCENARIOS: dict[str, str] = {
    "healthy": (
        "nothing injected (spam_filter canary v2, as good as v1, takes 10% of its traffic "
        "from day days//2): every metric stable day to day, no check should fail"
    ),
    "precision_drop": (
        "spam_filter v3 takes 50% of traffic from the injection day and scores 12% of legit "
        "mail 0.5-0.95: v3 precision ~0.92 -> ~0.6 with recall held (~0.8), false_block "
        "support tickets ~4x (precision threshold, version comparison, tickets per 1k users)"
    ),
    "filter_bubble": (
        "home_feed exploration off from the injection day and its candidate weights retrained "
        "daily on its own clicks: coverage@10 ~0.46 -> ~0.17 and new_item_share -> 0 day "
        "after day, exposure Gini ~0.63 -> ~0.8, CTR holds (feedback-loop checks)"
    ),
    "popularity_bias": (
        "home_feed popularity weights squared and items < 14 days old x0.02 from the "
        "injection day: new_item_share ~0.045 -> ~0.01, coverage@10 ~0.46 -> ~0.3, Gini up "
        "(new-item share and coverage floors)"
    ),
    "data_drift": (
        "spam_filter inputs shift from the injection day: message_length x e^0.8 (~1 sd; "
        "PSI ~0.8), legit mail's sender_tld moves to io/xyz (PSI ~0.3); quality drops only "
        "~0.01 (PSI/KS/JS drift bounds)"
    ),
    "concept_drift": (
        "spammers adapt from the injection day: 12% of legit-looking mail is spam with low "
        "scores; features and score distribution unchanged, recall ~0.81 -> ~0.57, AUC "
        "~0.96 -> ~0.82, base rate ~0.2 -> ~0.3 (recall/AUC thresholds, no drift alarm)"
    ),
    "accuracy_up_engagement_down": (
        "home_feed v2 serves all traffic from the injection day: NDCG@10 ~0.60 -> ~0.70 "
        "and CTR up, but sessions x0.65 (avg ~330 s -> ~215 s) and from the next day the "
        "daily return probability x0.8 (DAU -20%) (cross-layer divergence checks)"
    ),
    "stale_model": (
        "spam_filter v1 is never retrained while spammers adapt a little more every day from "
        "the injection day (concept_drift's adaptation, ramped to full by the last day); the "
        "registry tables model_versions and offline_metrics are written: online recall falls "
        "~0.81 -> ~0.6 against its offline 0.82, so offline_online_gap_recall widens day by "
        "day past -0.1, and days_since_training passes 30 (gap and staleness rules)"
    ),
    "latency_regression": (
        "spam_filter and home_feed latency x2 from the injection day (p95 ~120 -> ~240 ms "
        "and ~150 -> ~300 ms), home_feed conversions per click x0.55 so conversion_rate "
        "~0.016 -> ~0.008, CTR unchanged (latency thresholds, conversion_rate)"
    ),
}

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
SECOND_US = 1_000_000

# Share of activity per UTC hour: quiet nights, busy evenings.
HOUR_WEIGHTS = np.array(
    [2, 1.5, 1, 1, 1, 1.5, 2.5, 4, 5, 5.5, 5.5, 5.5, 6, 6, 5.5, 5.5, 5.5, 6, 6.5, 7, 7, 6, 4.5, 3]
)
HOUR_WEIGHTS = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()

_STREAMS = {
    "population": 1,
    "activity": 2,
    "spam": 3,
    "catalog": 4,
    "feed": 5,
    "price": 6,
    "summarizer": 7,
    "misc_events": 8,
    "duplicates": 9,
}


def injection_day(days: int) -> int:
    """0-based day from which a scenario's injection is active (20 for 30 days)."""
    return max(1, int(days * 2 / 3))


def canary_day(days: int) -> int:
    """0-based day from which spam_filter v2 serves its 10% canary (15 for 30 days)."""
    return max(1, days // 2)


@dataclass(frozen=True)
class World:
    """The run's parameters and the derived clock."""

    scenario: str
    days: int
    scale: float
    seed: int
    start_date: dt.date

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ValueError(
                f"unknown scenario {self.scenario!r}; valid: {', '.join(sorted(SCENARIOS))}"
            )
        if int(self.days) != self.days or self.days < 1:
            raise ValueError(f"days must be a positive integer, got {self.days!r}")
        if not self.scale > 0:
            raise ValueError(f"scale must be > 0, got {self.scale!r}")
        if int(self.seed) != self.seed or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

    @property
    def start_us(self) -> int:
        return (self.start_date - dt.date(1970, 1, 1)).days * DAY_US

    @property
    def as_of_us(self) -> int:
        """End of the window: nothing (labels included) arrives at or after it."""
        return self.start_us + self.days * DAY_US

    @property
    def inj(self) -> int:
        return injection_day(self.days)

    @property
    def canary(self) -> int:
        return canary_day(self.days)

    def day_start(self, day: int) -> int:
        return self.start_us + day * DAY_US

    def injected(self, scenario: str, day: int) -> bool:
        """Is `scenario` the running one and its injection active on `day`?"""
        return self.scenario == scenario and day >= self.inj

    def rng(self, stream: str, day: int = -1) -> np.random.Generator:
        """The random stream of one component on one day (day -1: before the window)."""
        return np.random.default_rng([int(self.seed), _STREAMS[stream], day + 1])

    def volume(self, rng: np.random.Generator, per_day: float) -> int:
        """A day's count: Poisson around `per_day` at scale 1."""
        return int(rng.poisson(per_day * self.scale))

    def times(self, rng: np.random.Generator, day: int, n: int) -> np.ndarray:
        """n sorted int64 microsecond timestamps on `day`, following HOUR_WEIGHTS."""
        hours = rng.choice(24, size=n, p=HOUR_WEIGHTS)
        within = rng.integers(0, HOUR_US, size=n)
        return np.sort(self.day_start(day) + hours * HOUR_US + within)
