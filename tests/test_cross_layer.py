"""Link, divergence, guardrail and Simpson logic on hand-built daily series
(no warehouse): the verdicts the nightly checks rest on."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from python_checks.checks.links import (
    engagement_without_satisfaction,
    evaluate_guardrail,
    evaluate_link,
)
from python_checks.checks.simpson import simpson_verdict
from python_checks.declare.links import (
    GuardrailPair,
    Link,
    Links,
    MovementSettings,
    Series,
    load_links,
)
from python_checks.results import Status
from python_checks.stats.movement import classify, movement, rank_correlation

SETTINGS = MovementSettings(
    window_days=7, min_days_per_window=5, noise_z=3.0, min_relative_change=0.03, correlation_days=28
)
START = dt.date(2024, 1, 1)
DAYS = 28
END = START + dt.timedelta(days=DAYS - 1)


def series(
    level: float, step: float = 0.0, from_day: int = 21, noise: float = 0.0, seed: int = 0
) -> pd.Series:
    """`level` with a step of `step` from day `from_day`, plus small Gaussian noise."""
    rng = np.random.default_rng(seed)
    values = level + noise * rng.standard_normal(DAYS)
    values[from_day:] += step
    return pd.Series(values, index=[START + dt.timedelta(days=i) for i in range(DAYS)])


def test_movement_beyond_noise_and_within():
    up = movement(series(0.9, step=0.05, noise=0.005), END, SETTINGS)
    assert up.direction == 1 and up.change == pytest.approx(0.05, abs=0.01)
    flat = movement(series(0.9, noise=0.005), END, SETTINGS)
    assert flat.direction == 0


def test_movement_needs_enough_days():
    short = series(1.0).iloc[-8:]
    assert movement(short, END, SETTINGS) is None


def test_small_relative_change_is_not_a_movement():
    # beyond the (tiny) noise but under min_relative_change of 3%
    assert movement(series(100.0, step=1.0, noise=0.01), END, SETTINGS).direction == 0


@pytest.mark.parametrize(
    ("model_step", "business_step", "verdict"),
    [
        (+0.1, -50.0, "diverged"),  # model better, business worse
        (-0.1, +50.0, "diverged"),  # model worse, business better
        (-0.1, -50.0, "regressed_together"),
        (+0.1, +50.0, "consistent"),
        (0.0, -50.0, "consistent"),  # the business moved on its own: not the link's call
        (+0.1, 0.0, "consistent"),
    ],
)
def test_classify(model_step, business_step, verdict):
    m = movement(series(0.6, model_step, noise=0.005, seed=1), END, SETTINGS)
    b = movement(series(300.0, business_step, noise=3.0, seed=2), END, SETTINGS)
    assert classify(m, +1, b, +1) == verdict


def test_lower_is_better_flips_the_verdict():
    # latency up (worse, lower is better) and conversion down (worse)
    latency = movement(series(150.0, +150.0, noise=2.0), END, SETTINGS)
    conversion = movement(series(0.015, -0.007, noise=0.0003), END, SETTINGS)
    assert classify(latency, -1, conversion, +1) == "regressed_together"


def test_rank_correlation():
    a = series(0.6, 0.1, noise=0.001)
    b = series(300.0, -80.0, noise=0.5, seed=3)
    assert rank_correlation(a, b, END, 28) < -0.5
    assert rank_correlation(a.iloc[:3], b.iloc[:3], END, 28) is None


class StubReader:
    def __init__(self, data: dict[tuple[str, str], pd.Series]):
        self.data = data

    def get(self, s: Series, min_sample_size: int = 0):
        values = self.data.get((s.model, s.metric), pd.Series(dtype=float))
        return values, "metrics_daily" if not values.empty else ""


LINKS = Links(links=(), guardrails=(), movement=SETTINGS)
LINK = Link(
    name="feed_ndcg->session_time",
    why="",
    model=Series("home_feed", "ndcg_at_10", +1),
    business=Series("__product__", "avg_session_seconds", +1),
)


def test_link_divergence_is_an_error_naming_both_layers():
    reader = StubReader(
        {
            ("home_feed", "ndcg_at_10"): series(0.6, 0.1, noise=0.005),
            ("__product__", "avg_session_seconds"): series(330.0, -110.0, noise=5.0),
        }
    )
    results = evaluate_link(LINK, reader, LINKS, window_days=14)
    last = results[-1]
    assert last.status == Status.BREACHED and last.severity == "error"
    assert last.metric == "feed_ndcg->session_time"
    assert "home_feed ndcg_at_10 rose (better)" in last.message
    assert "__product__ avg_session_seconds fell (worse)" in last.message
    assert "diverge" in last.message
    assert last.details["verdict"] == "diverged"
    # before the step the link holds
    assert results[0].status == Status.PASSED


def test_link_with_an_absent_series_is_not_evaluated():
    reader = StubReader({("__product__", "avg_session_seconds"): series(330.0)})
    [result] = evaluate_link(LINK, reader, LINKS, window_days=14)
    assert result.status == Status.NOT_EVALUATED
    assert "home_feed ndcg_at_10" in result.message


def test_guardrail_flags_engagement_without_satisfaction():
    pair = GuardrailPair(Series("__product__", "ctr", +1), Series("__product__", "avg_rating", +1))
    reader = StubReader(
        {
            ("__product__", "ctr"): series(0.12, 0.03, noise=0.001),
            ("__product__", "avg_rating"): series(4.0, -0.5, noise=0.02),
        }
    )
    last = evaluate_guardrail(pair, reader, LINKS, window_days=14)[-1]
    assert last.status == Status.BREACHED and "engagement without satisfaction" in last.message
    # engagement up with the guardrail holding is fine; so is engagement down
    up = movement(series(0.12, 0.03, noise=0.001), END, SETTINGS)
    down = movement(series(0.12, -0.03, noise=0.001), END, SETTINGS)
    held = movement(series(4.0, noise=0.02), END, SETTINGS)
    worse = movement(series(4.0, -0.5, noise=0.02), END, SETTINGS)
    assert not engagement_without_satisfaction(up, +1, held, +1)
    assert not engagement_without_satisfaction(down, +1, worse, +1)


def test_simpson_overall_up_every_segment_down():
    # a mix shift: the better segment takes most traffic, both segments get worse
    overall = series(0.50, 0.08, noise=0.002)
    segments = {"web": series(0.70, -0.02, noise=0.002), "ios": series(0.30, -0.02, noise=0.002)}
    verdict = simpson_verdict(overall, segments, END, SETTINGS)
    assert verdict["paradox"]
    segments["ios"] = series(0.30, 0.02, noise=0.002)
    assert not simpson_verdict(overall, segments, END, SETTINGS)["paradox"]
    assert not simpson_verdict(series(0.5, noise=0.002), segments, END, SETTINGS)["paradox"]


def test_declared_links_match_the_seed():
    links = load_links()
    pairs = {(lk.model.metric, lk.business.metric) for lk in links.links}
    assert ("precision", "support_tickets_per_1k_users_false_block") in pairs
    assert ("ndcg_at_10", "avg_session_seconds") in pairs
    assert ("recall_at_10", "return_rate") in pairs
    assert ("latency_p95_ms", "conversion_rate") in pairs
    assert links.severity == "error"


@pytest.mark.parametrize(
    "text",
    [
        "links: [{name: a, model: {model: m, metric: 'x; drop table'}, "
        "business: {model: __product__, metric: ctr}}]",
        "links: [{name: a, model: {model: m, metric: p, better: sideways}, "
        "business: {model: __product__, metric: ctr}}]",
        "settings: {severity: fatal}",
        "settings: {min_days_per_window: 9}",
        "links: [{name: a, model: {metric: p}, business: {model: b, metric: c}}]",
    ],
)
def test_invalid_links_file_is_a_config_error(tmp_path, text):
    from python_checks.errors import ConfigError

    path = tmp_path / "links.yml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        load_links(path)
