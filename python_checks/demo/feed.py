"""home_feed: a ranker serving 10-item lists from a long-tailed catalog.

Per request, candidates are drawn by the model's learned popularity (half of
them from the user's favourite category), scored by a noisy estimate of how
attractive each item is to that user, and the top 10 served. Clicks follow a
position-biased click model on the true attractiveness, so CTR, conversions,
relevance labels and the impression/click/conversion events all come from the
same draws. About 10% of requests are exploration lists biased to new items.
The filter_bubble scenario feeds each day's clicks back into the candidate
weights, the one place where a day depends on the day before.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .scenarios import DAY_US, HOUR_US, SECOND_US, World
from .table import Num, Table, cat, const, features, flag, ids, integer, rows_where, ts
from .users import PLATFORMS, Population, Sessions

MODEL = "home_feed"
TASK_TYPE = "ranking"
VERSIONS = ("v1", "v2")
PREFIX = "hf-"
K = 10
CATEGORIES = (
    "news",
    "sports",
    "music",
    "movies",
    "travel",
    "food",
    "tech",
    "fashion",
    "gaming",
    "finance",
    "health",
    "science",
)
NUMERIC_FEATURES = ("user_tenure_days", "hour_of_day")
CATEGORICAL_FEATURES = ("device",)

N_GLOBAL, N_TASTE, N_FALLBACK = 20, 12, 12  # candidates per request by source
FRESH_DAYS = 14  # items younger than this get a cold-start weight instead of history
TASTE_BONUS = 1.0  # attractiveness of an item in the user's favourite category
CLICK_OFFSET = 3.4
POSITION_BIAS = np.array([1.0, 0.8, 0.66, 0.56, 0.49, 0.44, 0.4, 0.37, 0.34, 0.32])
CONVERSION_P = 0.12
EXPLORATION_P = 0.10
SCORE_NOISE = {"v1": 1.0, "v2": 0.3}  # the ranker's error in estimating attractiveness
MISS_P = {"v1": 0.25, "v2": 0.10}  # a relevant item the list left out (recall miss)
FEEDBACK_KEEP = 0.85  # filter_bubble: weight kept from yesterday, the rest follows clicks


@dataclass(frozen=True)
class Catalog:
    created_us: np.ndarray  # sorted; the index is the item number
    category: np.ndarray
    quality: np.ndarray
    popularity: np.ndarray  # the weight history gives an established item

    def __len__(self) -> int:
        return len(self.created_us)


def simulate_catalog(world: World) -> Catalog:
    """~1700 items from the past year, then ~10 new ones a day (at scale 1)."""
    rng = world.rng("catalog")
    category_p = rng.dirichlet(np.full(len(CATEGORIES), 3.0))
    n_old = max(K * 3, round(1700 * world.scale))
    created = [np.sort(world.start_us - rng.integers(SECOND_US, 365 * DAY_US, size=n_old))]
    for day in range(world.days):
        day_rng = world.rng("catalog", day)
        created.append(world.times(day_rng, day, world.volume(day_rng, 10)))
    created_us = np.concatenate(created)
    n = len(created_us)
    quality = rng.normal(0.0, 1.0, n)
    return Catalog(
        created_us=created_us,
        category=rng.choice(len(CATEGORIES), size=n, p=category_p),
        quality=quality,
        popularity=np.exp(1.2 * quality + rng.normal(0.0, 1.1, n)),
    )


def _candidate_weights(world: World, catalog: Catalog, day: int, n_items: int) -> np.ndarray:
    """The model's sampling weight per eligible item (healthy or popularity_bias)."""
    age = world.day_start(day) - catalog.created_us[:n_items]
    fresh = age < FRESH_DAYS * DAY_US
    w = catalog.popularity[:n_items].copy()
    cold_start = np.quantile(w[~fresh], 0.9) if (~fresh).any() else 1.0
    w[fresh] = cold_start
    if world.injected("popularity_bias", day):
        w = w**2
        w[fresh] = cold_start**2 * 0.02
    return w


def _draw(rng: np.random.Generator, w: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return rng.choice(len(w), size=shape, p=w / w.sum())


def _rank(cand: np.ndarray, logit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort key (repeats -inf, fallbacks last) and candidate order, per request."""
    key = logit.copy()
    key[:, -N_FALLBACK:] -= 1e6  # only used when the list cannot be filled otherwise
    order = np.argsort(cand, axis=1, kind="stable")
    sorted_cand = np.take_along_axis(cand, order, axis=1)
    rows, cols = np.nonzero(sorted_cand[:, 1:] == sorted_cand[:, :-1])
    key[rows, order[rows, cols + 1]] = -np.inf  # keep the first draw of an item
    return key, np.argsort(-key, axis=1, kind="stable")


def _serve(
    rng: np.random.Generator,
    catalog: Catalog,
    w: np.ndarray,
    explore_w: np.ndarray,
    user_taste: np.ndarray,
    explore: np.ndarray,
    sigma: float,
):
    """Candidates, scores and the top-K for one day's requests (vectorised)."""
    r = len(user_taste)
    n_items = len(w)
    cand = np.empty((r, N_GLOBAL + N_TASTE), np.int64)
    cand[:, :N_GLOBAL] = _draw(rng, w, (r, N_GLOBAL))
    for k in range(len(CATEGORIES)):
        rows = np.flatnonzero(user_taste == k)
        members = np.flatnonzero(catalog.category[:n_items] == k)
        if w[members].sum() == 0:  # nothing of this category is ever served any more
            members = np.arange(n_items)
        cand[rows, N_GLOBAL:] = members[_draw(rng, w[members], (len(rows), N_TASTE))]
    explore_cand = _draw(rng, explore_w, (r, N_GLOBAL + N_TASTE))
    cand = np.where(explore[:, None], explore_cand, cand)
    fallback = rng.integers(0, n_items, (r, N_FALLBACK))
    cand = np.concatenate([cand, fallback], axis=1)

    match = catalog.category[cand] == user_taste[:, None]
    attract = catalog.quality[cand] + TASTE_BONUS * match
    noise = rng.normal(0.0, 1.0, cand.shape)
    logit = np.where(explore[:, None], 2.0 * noise, attract + sigma * noise)

    key, ranked = _rank(cand, logit)
    short = np.flatnonzero(~np.isfinite(np.take_along_axis(key, ranked[:, K - 1 : K], axis=1)))
    if len(short):  # rare: too few distinct candidates; distinct fallbacks always fill a list
        for row in short:
            cand[row, -N_FALLBACK:] = rng.choice(n_items, N_FALLBACK, replace=False)
        key[short], ranked[short] = _rank(cand[short], logit[short])
    top = ranked[:, :K]
    items = np.take_along_axis(cand, top, axis=1)
    score = np.round(1.0 / (1.0 + np.exp(-np.take_along_axis(logit, top, axis=1))), 3)
    score = np.minimum.accumulate(score, axis=1)  # descending; equal scores keep distinct ranks
    # the next-best real candidate, a relevant item the list left out
    runner_up = np.take_along_axis(cand, ranked[:, K : K + 1], axis=1)[:, 0]
    runner_ok = np.isfinite(np.take_along_axis(key, ranked[:, K : K + 1], axis=1)[:, 0])
    runner_ok &= ranked[:, K] < N_GLOBAL + N_TASTE
    return items, score, np.take_along_axis(attract, top, axis=1), runner_up, runner_ok


def simulate_feed(
    world: World, pop: Population, sessions: Sessions, catalog: Catalog
) -> Iterator[Table]:
    """The catalog, then a day at a time: predictions, features, labels, events."""
    n = len(catalog)
    yield Table(
        "items",
        n,
        {
            "item_id": ids("i-", np.arange(n)),
            "category": cat(CATEGORIES, catalog.category),
            "created_at": ts(catalog.created_us),
        },
    )
    next_request = 0
    state = None  # filter_bubble: candidate weights learned from the model's own clicks
    for day in range(world.days):
        rng = world.rng("feed", day)
        n_items = int(np.searchsorted(catalog.created_us, world.day_start(day)))
        age = world.day_start(day) - catalog.created_us[:n_items]
        w = _candidate_weights(world, catalog, day, n_items)
        bubble = world.injected("filter_bubble", day)
        if bubble:
            if state is None:
                state = w
            w = np.concatenate([state, np.zeros(n_items - len(state))])
        explore_w = 1.0 + 3.0 * (age < 30 * DAY_US)

        sess, at = sessions.sample(rng, day, world.volume(rng, 400))
        r = len(sess)
        user = sessions.user[sess]
        explore = rng.random(r) < EXPLORATION_P
        if bubble:
            explore[:] = False
        version = "v2" if world.injected("accuracy_up_engagement_down", day) else "v1"
        latency = rng.lognormal(np.log(60.0), 0.55, r)
        if world.injected("latency_regression", day):
            latency *= 2.0

        items, score, attract, runner_up, runner_ok = _serve(
            rng, catalog, w, explore_w, pop.taste[user], explore, SCORE_NOISE[version]
        )
        p_click = POSITION_BIAS[None, :] / (1.0 + np.exp(-(attract - CLICK_OFFSET)))
        clicked = rng.random((r, K)) < p_click
        conversion_p = CONVERSION_P * (0.55 if world.injected("latency_regression", day) else 1)
        converted = clicked & (rng.random((r, K)) < conversion_p)
        click_at = at[:, None] + rng.integers(2 * SECOND_US, 90 * SECOND_US, (r, K))
        conversion_at = click_at + rng.integers(30 * SECOND_US, 900 * SECOND_US, (r, K))
        revenue = np.round(rng.lognormal(np.log(20.0), 0.6, (r, K)), 2)
        judged_zero = ~clicked & (rng.random((r, K)) < 0.25)
        missed = runner_ok & (rng.random(r) < MISS_P[version])
        label_at = at + rng.integers(HOUR_US, 24 * HOUR_US, r)

        request = next_request + np.arange(r)
        next_request += r
        pid = (request[:, None] * K + np.arange(K)[None, :]).ravel()
        rows = r * K
        rep = np.repeat(np.arange(r), K)
        yield Table(
            "predictions",
            rows,
            {
                "prediction_id": ids(PREFIX, pid),
                "model_name": const(MODEL, rows),
                "model_version": const(version, rows),
                "task_type": const(TASK_TYPE, rows),
                "predicted_at": ts(at[rep]),
                "user_id": ids("u-", user[rep]),
                "segment": cat(PLATFORMS, pop.platform[user][rep]),
                "score": Num(score.ravel()),
                "request_id": ids("r-", request[rep]),
                "item_id": ids("i-", items.ravel()),
                "rank": integer(np.tile(np.arange(1, K + 1), r)),
                "is_exploration": flag(explore[rep]),
                "latency_ms": Num(np.round(latency[rep], 1)),
            },
        )
        tenure = (at - pop.signup_us[user]) // DAY_US
        hour = (at - world.day_start(day)) // HOUR_US
        numeric = np.stack([tenure[rep], hour[rep], np.full(rows, np.nan)], axis=1)
        device = np.stack([np.full(rows, -1), np.full(rows, -1), pop.platform[user][rep]], axis=1)
        names = NUMERIC_FEATURES + CATEGORICAL_FEATURES
        yield features(PREFIX, pid, names, numeric, PLATFORMS, device)

        # relevance judgments: 2 converted, 1 clicked or missed, 0 some impressed-not-clicked
        grade = np.where(converted, 2.0, np.where(clicked, 1.0, 0.0))
        judged = (clicked | judged_zero).ravel()
        lab_request = np.concatenate([request[rep][judged], request[missed]])
        lab_item = np.concatenate([items.ravel()[judged], runner_up[missed]])
        lab_value = np.concatenate([grade.ravel()[judged], np.ones(int(missed.sum()))])
        lab_at = np.concatenate([label_at[rep][judged], label_at[missed]])
        yield rows_where(
            "labels",
            lab_at < world.as_of_us,
            request_id=ids("r-", lab_request),
            item_id=ids("i-", lab_item),
            actual_value=Num(lab_value),
            labeled_at=ts(lab_at),
        )

        # events: an impression per served item, then clicks and conversions
        flat_session = sess[rep]
        for event_type, mask, when, value in (
            ("impression", np.ones(rows, bool), at[rep], None),
            ("click", clicked.ravel(), click_at.ravel(), None),
            ("conversion", converted.ravel(), conversion_at.ravel(), revenue.ravel()),
        ):
            mask = mask & (when < world.as_of_us)
            m = int(mask.sum())
            yield Table(
                "events",
                m,
                {
                    "user_id": ids("u-", user[rep][mask]),
                    "session_id": ids("s-", flat_session[mask]),
                    "event_type": const(event_type, m),
                    "occurred_at": ts(when[mask]),
                    "model_name": const(MODEL, m),
                    "request_id": ids("r-", request[rep][mask]),
                    "item_id": ids("i-", items.ravel()[mask]),
                    "value": Num(np.full(m, np.nan) if value is None else value[mask]),
                },
            )

        if bubble:
            # retrain on today's clicks: unclicked items fade, clicked ones take the weight
            clicks = np.bincount(items[clicked], minlength=n_items).astype(float)
            if clicks.sum() > 0:
                state = FEEDBACK_KEEP * w + (1 - FEEDBACK_KEEP) * clicks / clicks.sum() * w.sum()
            else:
                state = w
