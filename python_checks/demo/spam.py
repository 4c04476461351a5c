"""spam_filter: a calibrated binary classifier over incoming mail.

Each email's score is drawn first and its look (spam-like or legit-like) is
drawn from the score, so the scores are calibrated by construction; the
features follow the look, and the label is the look unless concept drift
makes some legit-looking mail spam. Labels arrive late and are sometimes
revised; blocked legit mail turns into `false_block` support tickets. Every
scenario gets the same handful of broken rows for the pipeline to quarantine.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .scenarios import DAY_US, HOUR_US, SECOND_US, World
from .table import Num, Table, cat, concat, const, features, flag, ids, rows_where, ts
from .users import Population

MODEL = "spam_filter"
TASK_TYPE = "binary_classification"
THRESHOLD = 0.5
VERSIONS = ("v1", "v2", "v3")
SEGMENTS = ("web", "ios", "android")  # users.PLATFORMS order
PREFIX = "sf-"

TLDS = ("com", "net", "org", "io", "de", "co.uk", "ru", "xyz")
TLD_P = {
    "legit": (0.55, 0.1, 0.1, 0.06, 0.1, 0.05, 0.02, 0.02),
    "spam": (0.3, 0.1, 0.05, 0.05, 0.05, 0.05, 0.2, 0.2),
    "legit_drifted": (0.35, 0.08, 0.08, 0.2, 0.08, 0.04, 0.02, 0.15),
}
LANGUAGES = ("en", "es", "de", "fr", "pt", "ru", "zh")
LANGUAGE_P = {
    "legit": (0.6, 0.12, 0.1, 0.08, 0.05, 0.03, 0.02),
    "spam": (0.5, 0.05, 0.05, 0.05, 0.05, 0.15, 0.15),
}
NUMERIC_FEATURES = ("num_links", "sender_reputation", "message_length")
CATEGORICAL_FEATURES = ("sender_tld", "language")

SPAM_LOOK_MIX = 0.18  # share of mail from the high-score mixture component
FALSE_BLOCK_TICKET_P = 0.15  # a blocked legit email makes its recipient file a ticket
MISSED_SPAM_TICKET_P = 0.04
V3_INFLATED_LEGIT = 0.12  # precision_drop: share of legit mail v3 scores as spam
ADAPTED_SPAM = 0.12  # concept_drift: share of legit-looking mail that is spam
MESSAGE_LENGTH_SHIFT = 0.8  # data_drift: in log space, about one standard deviation

# The deliberately broken rows, identical in every scenario: (day, kind).
BAD_ROWS = (
    (2, "nan_score"),
    (5, "nan_score"),
    (8, "score_above_one"),
    (11, "score_above_one"),
    (14, "multiclass"),
    (17, "null_prediction_id"),
)


def stale_model_ramp(world: World, day: int) -> float:
    """stale_model: the share of the full concept_drift adaptation reached
    on `day`, from 1/k on the injection day to 1 on the last day."""
    span = max(1, world.days - world.inj)
    return min(1.0, (day - world.inj + 1) / span)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _simulate_day(world: World, pop: Population, day: int) -> dict[str, np.ndarray]:
    """One day of mail. All random draws happen unconditionally and in a fixed
    order, so scenarios differ from healthy only by their injection."""
    rng = world.rng("spam", day)
    n = world.volume(rng, 3000)
    at = world.times(rng, day, n)
    n_existing = int(np.searchsorted(pop.signup_day, day))  # signup_day is sorted
    user = rng.integers(0, n_existing, size=n)
    segment = np.where(rng.random(n) < 0.02, -1, pop.platform[user])

    u_version = rng.random(n)
    version = np.zeros(n, np.int32)
    if day >= world.canary:
        version[u_version < 0.10] = 1
    if world.injected("precision_drop", day):
        version[(u_version >= 0.10) & (u_version < 0.60)] = 2

    spam_mix = rng.random(n) < SPAM_LOOK_MIX
    score = np.where(spam_mix, rng.beta(10.0, 0.9, n), rng.beta(0.6, 12.0, n))
    looks_spam = rng.random(n) < score
    is_spam = looks_spam.copy()
    u_adapted = rng.random(n)
    if world.injected("concept_drift", day):
        is_spam |= ~looks_spam & (u_adapted < ADAPTED_SPAM)
    if world.injected("stale_model", day):
        # the same adaptation, growing day by day while nobody retrains
        is_spam |= ~looks_spam & (u_adapted < ADAPTED_SPAM * stale_model_ramp(world, day))

    drift_noise = rng.normal(0.0, 0.5, n)
    if world.injected("data_drift", day):
        score = _expit(_logit(score) + drift_noise)
    inflate = rng.random(n) < V3_INFLATED_LEGIT
    inflated_score = rng.uniform(0.5, 0.95, n)
    bad_v3 = (version == 2) & ~looks_spam & inflate
    score = np.where(bad_v3, inflated_score, score)
    score = np.where(rng.random(n) < 0.3, np.round(score, 2), np.round(score, 6))

    latency = rng.lognormal(np.log(40.0), 0.668, n)
    if world.injected("latency_regression", day):
        latency *= 2.0

    # features follow how the mail looks
    num_links = np.where(looks_spam, rng.poisson(4.0, n), rng.poisson(1.0, n))
    reputation = np.where(looks_spam, rng.beta(2.0, 5.0, n), rng.beta(5.0, 2.0, n))
    log_length = np.where(looks_spam, rng.normal(5.6, 0.7, n), rng.normal(6.3, 0.8, n))
    tld_spam = rng.choice(len(TLDS), n, p=TLD_P["spam"])
    tld_legit = rng.choice(len(TLDS), n, p=TLD_P["legit"])
    tld_drifted = rng.choice(len(TLDS), n, p=TLD_P["legit_drifted"])
    lang_spam = rng.choice(len(LANGUAGES), n, p=LANGUAGE_P["spam"])
    lang_legit = rng.choice(len(LANGUAGES), n, p=LANGUAGE_P["legit"])
    if world.injected("data_drift", day):
        log_length = log_length + MESSAGE_LENGTH_SHIFT
        tld_legit = tld_drifted

    # labels: 15% within hours (user reports), 75% after 1-3 days, 10% never
    kind = rng.random(n)
    delay = np.where(
        kind < 0.15,
        rng.exponential(3 * HOUR_US, n),
        rng.uniform(DAY_US, 3 * DAY_US, n),
    ).astype(np.int64)
    revised = rng.random(n) < 0.02
    revision_delay = rng.uniform(HOUR_US, 12 * HOUR_US, n).astype(np.int64)

    predicted = score >= THRESHOLD
    ticket_u = rng.random(n)
    ticket_delay = rng.uniform(HOUR_US / 2, 10 * HOUR_US, n).astype(np.int64)

    dup = rng.random(n) < 0.005
    dup_shift = rng.integers(2 * SECOND_US, 600 * SECOND_US, n)
    dup_changed = rng.random(n) < 0.4
    dup_score = np.round(np.clip(score + rng.normal(0.0, 0.05, n), 0.0, 1.0), 6)
    dup_latency = rng.lognormal(np.log(40.0), 0.668, n)

    return dict(
        at=at,
        user=user,
        segment=segment,
        version=version,
        score=score,
        predicted=predicted,
        latency=np.round(latency, 1),
        is_spam=is_spam,
        num_links=num_links.astype(float),
        reputation=np.round(reputation, 3),
        length=np.round(np.exp(log_length)),
        tld=np.where(looks_spam, tld_spam, tld_legit),
        language=np.where(looks_spam, lang_spam, lang_legit),
        labeled=kind < 0.90,
        label_at=at + delay,
        revised=revised,
        revision_at=at + delay + revision_delay,
        false_block=predicted & ~is_spam & (ticket_u < FALSE_BLOCK_TICKET_P),
        missed_spam=~predicted & is_spam & (ticket_u < MISSED_SPAM_TICKET_P),
        ticket_at=at + ticket_delay,
        dup=dup,
        dup_at=at + dup_shift,
        dup_changed=dup_changed,
        dup_score=dup_score,
        dup_latency=np.round(dup_latency, 1),
    )


def _predictions(d: dict[str, np.ndarray], pid: np.ndarray, **overrides) -> Table:
    n = len(pid)
    cols = {
        "prediction_id": ids(PREFIX, pid),
        "model_name": const(MODEL, n),
        "model_version": cat(VERSIONS, d["version"]),
        "task_type": const(TASK_TYPE, n),
        "predicted_at": ts(d["at"]),
        "user_id": ids("u-", d["user"]),
        "segment": cat(SEGMENTS, d["segment"]),
        "score": Num(d["score"]),
        "threshold": Num(np.full(n, THRESHOLD)),
        "predicted_label": flag(d["predicted"]),
        "latency_ms": Num(d["latency"]),
    }
    cols.update(overrides)
    return Table("predictions", n, cols)


def _features(d: dict[str, np.ndarray], pid: np.ndarray) -> Table:
    n = len(pid)
    names = NUMERIC_FEATURES + CATEGORICAL_FEATURES
    k = len(names)
    numeric = np.full((n, k), np.nan)
    numeric[:, 0], numeric[:, 1], numeric[:, 2] = d["num_links"], d["reputation"], d["length"]
    vocab = tuple(dict.fromkeys(TLDS + LANGUAGES))
    tld_code = np.array([vocab.index(x) for x in TLDS])[d["tld"]]
    lang_code = np.array([vocab.index(x) for x in LANGUAGES])[d["language"]]
    category = np.full((n, k), -1, np.int32)
    category[:, 3], category[:, 4] = tld_code, lang_code
    return features(PREFIX, pid, names, numeric, vocab, category)


def _labels(world: World, d: dict[str, np.ndarray], pid: np.ndarray) -> Table:
    """First label (wrong when it will be revised), then the correcting revision."""
    truth = d["is_spam"].astype(float)
    first = d["labeled"]
    second = first & d["revised"]
    rows_pid = np.concatenate([pid[first], pid[second]])
    value = np.concatenate([np.where(d["revised"], 1.0 - truth, truth)[first], truth[second]])
    at = np.concatenate([d["label_at"][first], d["revision_at"][second]])
    return rows_where(
        "labels",
        at < world.as_of_us,
        prediction_id=ids(PREFIX, rows_pid),
        actual_value=Num(value),
        labeled_at=ts(at),
    )


def _tickets(world: World, d: dict[str, np.ndarray]) -> Table:
    parts = []
    for reason, model in (("false_block", MODEL), ("missed_spam", None)):
        rows = np.flatnonzero(d[reason] & (d["ticket_at"] < world.as_of_us))
        m = len(rows)
        parts.append(
            Table(
                "events",
                m,
                {
                    "user_id": ids("u-", d["user"][rows]),
                    "event_type": const("support_ticket", m),
                    "occurred_at": ts(d["ticket_at"][rows]),
                    "model_name": const(model, m),
                    "properties": const(f'{{"reason": "{reason}"}}', m),
                },
            )
        )
    return concat("events", parts)


def _bad_rows(world: World, firsts: list[dict[str, np.ndarray]], next_pid: int) -> Table:
    """The fixed broken rows: copies of a day's first email with one defect each."""
    parts = []
    with_mail = [i for i, d in enumerate(firsts) if len(d["at"])]
    for i, (day, kind) in enumerate(BAD_ROWS):
        if not with_mail:
            break
        # the listed day, or the nearest one with mail on a tiny or short run
        d = firsts[min(with_mail, key=lambda x: (abs(x - day), x))]
        one = {k: v.copy() for k, v in d.items()}
        one["at"] = one["at"] + SECOND_US
        pid = np.array([next_pid + i])
        overrides = {}
        if kind == "nan_score":
            overrides["score"] = Num(np.array([np.nan]), nan=np.array([True]))
            overrides["predicted_label"] = flag(np.array([False]))
        elif kind == "score_above_one":
            overrides["score"] = Num(np.array([1.3]))
            overrides["predicted_label"] = flag(np.array([True]))
        elif kind == "multiclass":
            overrides["task_type"] = const("multiclass", 1)
        elif kind == "null_prediction_id":
            pid = np.array([-1])
        parts.append(_predictions(one, pid, **overrides))
    return concat("predictions", parts)


def _duplicates(d: dict[str, np.ndarray], pid: np.ndarray) -> Table:
    """Re-deliveries: same prediction_id, seconds to minutes later, 40% with a new score."""
    rows = np.flatnonzero(d["dup"])
    dup = {k: v[rows] for k, v in d.items()}
    dup["at"] = dup["dup_at"]
    dup["score"] = np.where(dup["dup_changed"], dup["dup_score"], dup["score"])
    dup["predicted"] = dup["score"] >= THRESHOLD
    dup["latency"] = dup["dup_latency"]
    return _predictions(dup, pid[rows])


def simulate_spam(world: World, pop: Population) -> Iterator[Table]:
    """A day at a time: predictions, features, labels and ticket events; then
    the broken rows."""
    first_rows = []
    next_pid = 0
    for day in range(world.days):
        d = _simulate_day(world, pop, day)
        pid = next_pid + np.arange(len(d["at"]))
        next_pid += len(pid)
        day_preds = [_predictions(d, pid), _duplicates(d, pid)]
        yield concat("predictions", day_preds).sort_by("predicted_at")
        yield _features(d, pid)
        yield _labels(world, d, pid).sort_by("labeled_at")
        yield _tickets(world, d)
        first_rows.append({k: v[:1].copy() for k, v in d.items()})  # bad-row templates
    yield _bad_rows(world, first_rows, next_pid)
