"""The user population, who is active on which day, and their sessions.

One population serves every model, so the user_ids in predictions and events
line up. Users come back with a personal daily propensity until they leave
(new users often never come back, more so from ads), which makes d1/d7
retention meaningful and keeps daily actives roughly level; sessions carry
the session_start/session_end events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scenarios import DAY_US, SECOND_US, World
from .table import Num, Table, cat, concat, const, ids, ts

CHANNELS = ("organic", "ads", "referral")
CHANNEL_P = (0.5, 0.3, 0.2)
CHURN_P = np.array([0.35, 0.5, 0.3])  # new users who never come back, per channel
PLATFORMS = ("web", "ios", "android")
PLATFORM_P = (0.45, 0.32, 0.23)
N_TASTES = 12  # one favourite catalog category per user
DAILY_CHURN = 0.008  # hazard of leaving for good, per day


@dataclass(frozen=True)
class Population:
    signup_us: np.ndarray  # int64, sorted; the index is the user number
    signup_day: np.ndarray  # -1 for users who signed up before the window
    channel: np.ndarray
    platform: np.ndarray
    taste: np.ndarray
    propensity: np.ndarray  # daily probability of coming back
    churned: np.ndarray  # never came back after the signup day
    lifetime: np.ndarray  # active days are < max(signup_day, 0) + lifetime

    def __len__(self) -> int:
        return len(self.signup_us)


@dataclass(frozen=True)
class Sessions:
    """All sessions in the window, ordered by day then start; number = global index."""

    user: np.ndarray
    day: np.ndarray
    start_us: np.ndarray
    seconds: np.ndarray  # float, whole seconds
    day_bounds: np.ndarray  # sessions of day d are [day_bounds[d], day_bounds[d + 1])

    def of_day(self, day: int) -> slice:
        return slice(int(self.day_bounds[day]), int(self.day_bounds[day + 1]))

    def sample(self, rng: np.random.Generator, day: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """n moments inside random sessions of `day`, in time order: (session
        numbers, int64 microsecond timestamps). Empty if nobody was active."""
        today = self.of_day(day)
        if today.stop == today.start:
            n = 0
        sess = rng.integers(today.start, max(today.stop, today.start + 1), size=n)
        at = self.start_us[sess] + (rng.random(n) * self.seconds[sess] * SECOND_US).astype(np.int64)
        order = np.argsort(at, kind="stable")
        return sess[order], at[order]


def _attributes(rng: np.random.Generator, n: int, new: bool) -> dict[str, np.ndarray]:
    channel = rng.choice(3, size=n, p=CHANNEL_P)
    platform = rng.choice(3, size=n, p=PLATFORM_P)
    taste = rng.integers(0, N_TASTES, size=n)
    if new:
        propensity = rng.beta(2.0, 3.0, size=n)
        churned = rng.random(n) < CHURN_P[channel]
    else:
        propensity = rng.beta(1.5, 3.5, size=n)
        churned = np.zeros(n, bool)
    # days of activity left before the user quietly leaves: keeps DAU level as newcomers arrive
    lifetime = rng.geometric(DAILY_CHURN, size=n)
    return dict(
        channel=channel,
        platform=platform,
        taste=taste,
        propensity=propensity,
        churned=churned,
        lifetime=lifetime,
    )


def simulate_population(world: World) -> Population:
    """Users who signed up in the year before the window, then ~40 a day at scale 1."""
    rng = world.rng("population")
    n_old = max(1, round(3800 * world.scale))
    parts = [
        dict(
            signup_us=np.sort(world.start_us - rng.integers(SECOND_US, 365 * DAY_US, size=n_old)),
            signup_day=np.full(n_old, -1),
            **_attributes(rng, n_old, new=False),
        )
    ]
    for day in range(world.days):
        rng = world.rng("population", day)
        n = world.volume(rng, 40)
        parts.append(
            dict(
                signup_us=world.times(rng, day, n),
                signup_day=np.full(n, day),
                **_attributes(rng, n, new=True),
            )
        )
    return Population(**{k: np.concatenate([p[k] for p in parts]) for k in parts[0]})


def simulate_sessions(world: World, pop: Population) -> Sessions:
    """Each day: returning users by propensity, new users in their signup session."""
    users, days, starts, seconds, bounds = [], [], [], [], [0]
    for day in range(world.days):
        rng = world.rng("activity", day)
        engagement_down = world.injected("accuracy_up_engagement_down", day)
        left = np.maximum(pop.signup_day, 0) + pop.lifetime <= day
        returning = np.flatnonzero((pop.signup_day < day) & ~pop.churned & ~left)
        # fewer come back once they have lived with the new feed for a day
        return_down = world.injected("accuracy_up_engagement_down", day - 1)
        factor = 0.8 if return_down else 1.0
        active = returning[rng.random(len(returning)) < pop.propensity[returning] * factor]
        newcomers = np.flatnonzero(pop.signup_day == day)

        n_sessions = 1 + rng.poisson(0.4, size=len(active))
        user = np.concatenate([newcomers, np.repeat(active, n_sessions)])
        day_end = world.day_start(day + 1)
        start = np.concatenate(
            [
                np.minimum(pop.signup_us[newcomers] + 5 * SECOND_US, day_end - 2 * SECOND_US),
                world.times(rng, day, n_sessions.sum()),
            ]
        )
        secs = np.clip(np.round(rng.lognormal(np.log(240), 0.8, size=len(user))), 5, 7200)
        if engagement_down:
            secs = np.maximum(5.0, np.round(secs * 0.65))
        # a session ends on its own day: the window has no events past its end
        secs = np.maximum(1.0, np.minimum(secs, (day_end - start) // SECOND_US - 1))
        order = np.lexsort((user, start))
        users.append(user[order])
        starts.append(start[order])
        seconds.append(secs[order])
        days.append(np.full(len(user), day))
        bounds.append(bounds[-1] + len(user))
    return Sessions(
        user=np.concatenate(users),
        day=np.concatenate(days),
        start_us=np.concatenate(starts),
        seconds=np.concatenate(seconds),
        day_bounds=np.array(bounds),
    )


def users_table(pop: Population) -> Table:
    n = len(pop)
    return Table(
        "users",
        n,
        {
            "user_id": ids("u-", np.arange(n)),
            "signed_up_at": ts(pop.signup_us),
            "acquisition_channel": cat(CHANNELS, pop.channel),
        },
    )


def session_events(pop: Population, sessions: Sessions) -> Table:
    """signup, session_start and session_end (value = seconds) events."""
    n = len(sessions.user)
    sid = np.arange(n)
    end_us = sessions.start_us + sessions.seconds.astype(np.int64) * SECOND_US
    # a newcomer's only session on their signup day starts 5 s after the signup event
    first = np.flatnonzero(pop.signup_day[sessions.user] == sessions.day)
    parts = [
        ("signup", sessions.user[first], sid[first], pop.signup_us[sessions.user[first]], None),
        ("session_start", sessions.user, sid, sessions.start_us, None),
        ("session_end", sessions.user, sid, end_us, sessions.seconds),
    ]
    tables = []
    for event_type, user, session, at, value in parts:
        m = len(user)
        tables.append(
            Table(
                "events",
                m,
                {
                    "user_id": ids("u-", user),
                    "session_id": ids("s-", session),
                    "event_type": const(event_type, m),
                    "occurred_at": ts(at),
                    "value": Num(np.full(m, np.nan) if value is None else value),
                },
            )
        )
    return concat("events", tables)
