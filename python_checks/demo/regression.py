"""price_estimator: a regression model quoting nightly prices (roughly 50-500).

The true price follows size, rooms and city with listing-level noise the
model cannot see; the estimate adds its own multiplicative error. Labels (the
price the listing actually got) arrive about a day later; a few are 0 (the
booking was cancelled), which MAPE must skip.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .scenarios import DAY_US, World
from .table import Num, Table, cat, features, ids, rows_where, served, ts
from .users import PLATFORMS, Population, Sessions

MODEL = "price_estimator"
TASK_TYPE = "regression"
PREFIX = "pe-"
CITIES = ("lisbon", "berlin", "paris", "london", "madrid", "rome", "amsterdam", "vienna")
CITY_P = (0.12, 0.16, 0.16, 0.18, 0.1, 0.1, 0.1, 0.08)
CITY_PRICE = np.array([0.8, 0.9, 1.3, 1.5, 0.85, 0.95, 1.2, 0.9])
NUMERIC_FEATURES = ("sqft", "num_rooms")
CATEGORICAL_FEATURES = ("city",)


def simulate_price(world: World, pop: Population, sessions: Sessions) -> Iterator[Table]:
    """A day at a time: predictions, features, labels."""
    next_pid = 0
    for day in range(world.days):
        rng = world.rng("price", day)
        sess, at = sessions.sample(rng, day, world.volume(rng, 1000))
        n = len(sess)
        user = sessions.user[sess]

        city = rng.choice(len(CITIES), n, p=CITY_P)
        sqft = np.clip(np.round(rng.lognormal(np.log(750.0), 0.45, n)), 200, 4000)
        rooms = np.clip(np.round(sqft / 350 + rng.normal(0.0, 0.7, n)), 1, 8)
        expected = (30 + 0.14 * sqft + 12 * rooms) * CITY_PRICE[city]
        actual = np.round(expected * np.exp(rng.normal(0.0, 0.15, n)), 2)
        actual[rng.random(n) < 0.01] = 0.0
        predicted = np.round(expected * np.exp(rng.normal(0.0, 0.12, n)), 2)
        latency = np.round(rng.lognormal(np.log(25.0), 0.5, n), 1)
        labeled = rng.random(n) < 0.93
        label_at = at + rng.integers(DAY_US // 2, 3 * DAY_US // 2, n)

        pid = next_pid + np.arange(n)
        next_pid += n
        yield served(
            PREFIX,
            pid,
            MODEL,
            "v1",
            TASK_TYPE,
            at,
            ids("u-", user),
            cat(PLATFORMS, pop.platform[user]),
            predicted_value=Num(predicted),
            latency_ms=Num(latency),
        )
        numeric = np.stack([sqft, rooms, np.full(n, np.nan)], axis=1)
        city_col = np.stack([np.full(n, -1), np.full(n, -1), city], axis=1)
        names = NUMERIC_FEATURES + CATEGORICAL_FEATURES
        yield features(PREFIX, pid, names, numeric, CITIES, city_col)
        yield rows_where(
            "labels",
            labeled & (label_at < world.as_of_us),
            prediction_id=ids(PREFIX, pid),
            actual_value=Num(actual),
            labeled_at=ts(label_at),
        )
