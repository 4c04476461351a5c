"""The demo generator: contract shape, determinism, the deliberate defects,
and for every scenario the movement it promises, computed straight in pandas.

Each scenario is simulated once per session (default size: 30 days, scale 1)
and only the tables a test needs are turned into DataFrames.
"""

from __future__ import annotations

import datetime as dt
import functools

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from python_checks.declare.contract import SOURCE_TABLES
from python_checks.demo import (
    SCENARIOS,
    canary_day,
    generate_frames,
    generate_warehouse,
    injection_day,
)
from python_checks.demo.feed import Catalog, _serve
from python_checks.demo.scenarios import World
from python_checks.demo.simulate import simulate, simulate_parts
from python_checks.demo.table import (
    PANDAS_DTYPES,
    Cat,
    Flag,
    Ids,
    Int,
    Null,
    Num,
    Table,
    Ts,
    concat,
)

DAYS = 30
START = dt.date(2026, 10, 1)
INJ = pd.Timestamp(START) + pd.Timedelta(days=injection_day(DAYS))  # 2026-10-21
AS_OF = pd.Timestamp(START) + pd.Timedelta(days=DAYS)
ALL_SCENARIOS = {
    "healthy",
    "precision_drop",
    "filter_bubble",
    "popularity_bias",
    "data_drift",
    "concept_drift",
    "accuracy_up_engagement_down",
    "latency_regression",
    "stale_model",
}


@functools.cache
def _tables(scenario: str) -> dict[str, Table]:
    parts = simulate(World(scenario, DAYS, 1.0, 7, START))
    return {name: concat(name, tables) for name, tables in parts.items()}


@functools.cache
def frame(scenario: str, table: str) -> pd.DataFrame:
    return _tables(scenario)[table].to_frame()


# --- pandas versions of the metrics the scenarios move ----------------------


def _day(ts: pd.Series) -> pd.Series:
    return ts.dt.floor("D")


def served(scenario: str, model: str) -> pd.DataFrame:
    """Valid, de-duplicated predictions of one model (earliest delivery wins)."""
    p = frame(scenario, "predictions")
    p = p[p.model_name == model].sort_values("predicted_at", kind="stable")
    p = p.dropna(subset=["prediction_id"]).drop_duplicates("prediction_id")
    if model == "spam_filter":
        score = p.score.to_numpy(dtype=float, na_value=np.nan)
        p = p[(p.task_type == "binary_classification") & (score >= 0) & (score <= 1)]
    return p.assign(day=_day(p.predicted_at))


def latest_labels(scenario: str) -> pd.DataFrame:
    lab = frame(scenario, "labels").dropna(subset=["prediction_id"])
    lab = lab.sort_values("labeled_at", kind="stable")
    return lab.drop_duplicates("prediction_id", keep="last")


def spam_scored(scenario: str) -> pd.DataFrame:
    """Labeled spam predictions with y (bool) and pred (bool)."""
    lab = latest_labels(scenario)[["prediction_id", "actual_value"]]
    m = served(scenario, "spam_filter").merge(lab, on="prediction_id")
    return m.assign(
        y=m.actual_value.to_numpy(dtype=float) == 1.0,
        pred=m.predicted_label.to_numpy(dtype=bool),
        s=m.score.to_numpy(dtype=float),
    )


def precision(g: pd.DataFrame) -> float:
    return float((g.y & g.pred).sum() / g.pred.sum())


def recall(g: pd.DataFrame) -> float:
    return float((g.y & g.pred).sum() / g.y.sum())


def before_after(df: pd.DataFrame, fn, *, last_full_day: bool = True):
    """fn over the days before the injection and the full days after it
    (the last two, partially labeled days excluded)."""
    end = AS_OF - pd.Timedelta(days=2) if last_full_day else AS_OF
    pre = df[df.day < INJ]
    post = df[(df.day >= INJ) & (df.day < end)]
    return fn(pre), fn(post)


def events(scenario: str) -> pd.DataFrame:
    e = frame(scenario, "events").drop_duplicates("event_id")
    return e.assign(day=_day(e.occurred_at))


def feed_daily(scenario: str) -> pd.DataFrame:
    """Per day: catalog coverage@10, exposure Gini@10, new-item share@10,
    exploration share, CTR and conversion rate."""
    p = served(scenario, "home_feed")
    items = frame(scenario, "items").assign(created_day=lambda d: _day(d.created_at))
    p = p.merge(items[["item_id", "created_day"]], on="item_id")
    e = events(scenario)
    e = e[e.model_name == "home_feed"]
    counts = e.groupby(["day", "event_type"]).size().unstack(fill_value=0)
    rows = []
    for day, g in p.groupby("day"):
        shown = np.sort(g.item_id.value_counts().to_numpy())
        k = len(shown)
        gini = float((2 * np.arange(1, k + 1) - k - 1) @ shown / (k * shown.sum()))
        age = (day - g.created_day).dt.days
        rows.append(
            dict(
                day=day,
                coverage=g.item_id.nunique() / int((items.created_day <= day).sum()),
                gini=gini,
                new_share=float(((age >= 0) & (age <= 6)).mean()),
                exploration=float(
                    g.groupby("request_id").is_exploration.first().astype(bool).mean()
                ),
                ctr=counts.loc[day, "click"] / counts.loc[day, "impression"],
                conversion=counts.loc[day, "conversion"] / counts.loc[day, "impression"],
            )
        )
    return pd.DataFrame(rows)


def ndcg10(scenario: str) -> pd.DataFrame:
    """ndcg@10 (linear gain) per request with a relevant judged item."""
    p = served(scenario, "home_feed")
    lab = frame(scenario, "labels").dropna(subset=["request_id"])
    lab = lab.sort_values("labeled_at").drop_duplicates(["request_id", "item_id"], keep="last")
    lab = lab.assign(rel=lab.actual_value.to_numpy(dtype=float))
    relevant = lab[lab.rel > 0]
    g = p[p.request_id.isin(relevant.request_id)].merge(
        lab[["request_id", "item_id", "rel"]], on=["request_id", "item_id"], how="left"
    )
    g["gain"] = g.rel.fillna(0.0) / np.log2(g["rank"].to_numpy(dtype=float) + 1)
    dcg = g.groupby("request_id").gain.sum()
    ideal = relevant.sort_values(["request_id", "rel"], ascending=[True, False])
    ideal = ideal.assign(pos=ideal.groupby("request_id").cumcount() + 1)
    ideal = ideal[ideal.pos <= 10]
    idcg = (ideal.rel / np.log2(ideal.pos + 1)).groupby(ideal.request_id).sum()
    day = p.groupby("request_id").day.first()
    return pd.DataFrame({"ndcg": dcg.reindex(idcg.index).fillna(0.0) / idcg, "day": day})


def psi(ref: np.ndarray, cur: np.ndarray) -> float:
    """The contract's PSI (deciles of the reference, floor 0.0001)."""
    edges = np.quantile(ref, np.linspace(0.1, 0.9, 9))
    r = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=10) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=10) / len(cur)
    r, c = np.maximum(r, 1e-4), np.maximum(c, 1e-4)
    return float(((c - r) * np.log(c / r)).sum())


def spam_feature(scenario: str, name: str) -> pd.DataFrame:
    f = frame(scenario, "prediction_features")
    f = f[f.feature_name == name]
    return f.merge(served(scenario, "spam_filter")[["prediction_id", "day"]], on="prediction_id")


def p95(values: pd.Series) -> float:
    return float(np.percentile(values.to_numpy(dtype=float), 95))


# --- API, shape and determinism ----------------------------------------------


def test_scenarios_are_the_promised_nine_and_documented():
    assert set(SCENARIOS) == ALL_SCENARIOS
    assert all(len(text) > 40 for text in SCENARIOS.values())
    assert injection_day(30) == 20 and canary_day(30) == 15
    assert injection_day(9) == 6


def test_unknown_scenario_lists_the_valid_ones():
    with pytest.raises(ValueError) as err:
        generate_frames("nope", days=3, scale=0.05)
    for name in ALL_SCENARIOS:
        assert name in str(err.value)
    with pytest.raises(ValueError):
        generate_frames("healthy", days=0)
    with pytest.raises(ValueError):
        generate_frames("healthy", scale=0)


def test_same_arguments_give_identical_frames_and_another_seed_does_not():
    kwargs = dict(days=8, scale=0.2, seed=3, start_date=START)
    a = generate_frames("precision_drop", **kwargs)
    b = generate_frames("precision_drop", **kwargs)
    assert list(a) == list(SOURCE_TABLES)
    for name in SOURCE_TABLES:
        pd.testing.assert_frame_equal(a[name], b[name])
        assert list(a[name].columns) == list(SOURCE_TABLES[name])
        for col, typ in SOURCE_TABLES[name].items():
            assert str(a[name][col].dtype) == PANDAS_DTYPES[typ], (name, col)
    c = generate_frames("precision_drop", **{**kwargs, "seed": 4})
    assert not a["predictions"]["score"].equals(c["predictions"]["score"])


def _resolved(col) -> list[np.ndarray]:
    """A generator column as plain numpy arrays (codes resolved to strings)."""
    if isinstance(col, Ids):
        return [np.asarray(col.prefixes)[col.codes], col.num]
    if isinstance(col, Cat):
        return [np.asarray((*col.categories, "<null>"))[col.codes]]
    if isinstance(col, Num):
        return [np.nan_to_num(col.values, nan=-999.0), col.nan_mask]
    if isinstance(col, Flag | Int):
        return [col.values, col.mask]
    if isinstance(col, Ts):
        return [col.us]
    if isinstance(col, Null):
        return [np.array([col.n])]
    return [col.values]


def test_scenarios_share_every_day_before_the_injection():
    inj_us = INJ.value // 1000
    for scenario in ("precision_drop", "filter_bubble", "accuracy_up_engagement_down"):
        for table, ts in (("predictions", "predicted_at"), ("events", "occurred_at")):
            a, b = _tables("healthy")[table], _tables(scenario)[table]
            a = a.take(np.flatnonzero(a.columns[ts].us.view(np.int64) < inj_us))
            b = b.take(np.flatnonzero(b.columns[ts].us.view(np.int64) < inj_us))
            assert len(a) == len(b) > 0
            for name in SOURCE_TABLES[table]:
                for x, y in zip(
                    _resolved(a.columns[name]), _resolved(b.columns[name]), strict=True
                ):
                    assert np.array_equal(x, y), (scenario, table, name)
        # ... and the injection does change what comes after
        assert len(_tables(scenario)["events"]) != len(_tables("healthy")["events"])


def test_warehouse_matches_contract_types_counts_and_frames(tmp_path):
    path = tmp_path / "sub" / "wh.duckdb"
    kwargs = dict(days=6, scale=0.1, seed=11, start_date=START)
    counts = generate_warehouse(path, "latency_regression", **kwargs, progress=True)
    frames = generate_frames("latency_regression", **kwargs)
    with duckdb.connect(str(path), read_only=True) as con:
        for table, columns in SOURCE_TABLES.items():
            got = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            assert got == list(columns.items())
            n = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            assert counts[table] == n == len(frames[table]) > 0
            db = con.execute(f"select * from raw.{table}").df()
            for col in columns:
                expected = frames[table][col]
                if columns[col] == "DOUBLE":
                    np.testing.assert_array_equal(
                        db[col].to_numpy(dtype=float),
                        expected.to_numpy(dtype=float, na_value=np.nan),
                    )
                else:
                    left = db[col].astype(object).where(db[col].notna(), None).tolist()
                    right = expected.astype(object).where(expected.notna(), None).tolist()
                    assert left == right, (table, col)
        # the two NaN scores are real IEEE NaNs, not NULLs
        assert (
            con.execute("select count(*) from raw.predictions where isnan(score)").fetchone()[0]
            == 2
        )

    # a second run replaces the tables
    counts2 = generate_warehouse(path, "healthy", days=3, scale=0.1, seed=11, start_date=START)
    with duckdb.connect(str(path), read_only=True) as con:
        for table in SOURCE_TABLES:
            n = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            assert n == counts2[table]
    assert counts2["predictions"] < counts["predictions"]


def test_a_failed_run_leaves_the_previous_tables(tmp_path, monkeypatch):
    import python_checks.demo.warehouse as warehouse

    path = tmp_path / "wh.duckdb"
    counts = generate_warehouse(path, days=3, scale=0.05)

    def broken(world, progress=False):
        yield from list(simulate_parts(world))[:3]
        raise RuntimeError("disk full")

    monkeypatch.setattr(warehouse, "simulate_parts", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        generate_warehouse(path, days=5, scale=0.05)
    with duckdb.connect(str(path), read_only=True) as con:
        for table in SOURCE_TABLES:
            assert con.execute(f"select count(*) from raw.{table}").fetchone()[0] == counts[table]
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
        assert sorted(t for (t,) in tables) == sorted(SOURCE_TABLES)  # no staging leftovers


# --- the contract's data features --------------------------------------------


def test_volumes_at_scale_one():
    p = frame("healthy", "predictions")
    per_day = p.groupby("model_name").size() / DAYS
    assert 2900 < per_day["spam_filter"] < 3100
    assert 3900 < per_day["home_feed"] < 4100  # 400 requests x 10
    assert 950 < per_day["price_estimator"] < 1050
    assert 135 < per_day["ticket_summarizer"] < 165
    assert 4500 < len(frame("healthy", "users")) < 5500
    assert 1800 < len(frame("healthy", "items")) < 2300
    assert set(p.task_type) == {
        "binary_classification",
        "ranking",
        "regression",
        "generation",
        "multiclass",
    }


def test_spam_served_label_is_score_at_threshold_and_bad_rows_are_there():
    p = frame("healthy", "predictions")
    spam = p[p.model_name == "spam_filter"]
    score = spam.score
    real_nan = spam.score.notna() & np.isnan(score.to_numpy(dtype=float, na_value=0.0))
    assert real_nan.sum() == 2
    assert (score.to_numpy(dtype=float, na_value=np.nan) > 1).sum() == 2
    assert (spam.task_type == "multiclass").sum() == 1
    assert spam.prediction_id.isna().sum() == 1
    assert p.prediction_id.isna().sum() == 1 and (p.task_type == "multiclass").sum() == 1

    valid = served("healthy", "spam_filter")
    s = valid.score.to_numpy(dtype=float)
    assert (valid.predicted_label.to_numpy(dtype=bool) == (s >= 0.5)).all()
    assert (valid.threshold == 0.5).all()
    # ties: a share of scores is rounded to two decimals
    assert valid.score.duplicated().mean() > 0.2
    assert set(valid.segment.dropna()) == {"web", "ios", "android"}
    assert 0.01 < valid.segment.isna().mean() < 0.03
    lat = valid.latency_ms.to_numpy(dtype=float)
    assert 35 < np.median(lat) < 45 and 100 < np.percentile(lat, 95) < 140


def test_spam_versions_canary_from_day_15():
    v = served("healthy", "spam_filter")
    canary = pd.Timestamp(START) + pd.Timedelta(days=canary_day(DAYS))
    assert set(v[v.day < canary].model_version) == {"v1"}
    share = (v[v.day >= canary].model_version == "v2").mean()
    assert 0.08 < share < 0.12
    assert "v3" not in set(v.model_version)


def test_redelivered_duplicates():
    p = frame("healthy", "predictions")
    spam = p[(p.model_name == "spam_filter") & p.prediction_id.notna()]
    dup = spam[spam.prediction_id.duplicated(keep=False)].sort_values("predicted_at")
    n_dup_ids = dup.prediction_id.nunique()
    assert 0.003 < n_dup_ids / spam.prediction_id.nunique() < 0.008
    first = dup.groupby("prediction_id").predicted_at.agg(["min", "max", "size"])
    assert (first["size"] == 2).all()
    gap = (first["max"] - first["min"]).dt.total_seconds()
    assert gap.between(2, 600).all()
    changed = dup.groupby("prediction_id").score.nunique() > 1
    assert 0.2 < changed.mean() < 0.6
    # every feed and other model prediction id is unique
    others = p[p.model_name != "spam_filter"]
    assert not others.prediction_id.duplicated().any()
    e = frame("healthy", "events")
    assert 0.002 < e.event_id.duplicated().mean() < 0.004


def test_labels_arrive_late_and_some_are_revised():
    lab = frame("healthy", "labels")
    assert (lab.labeled_at < AS_OF).all()
    spam = lab[lab.prediction_id.str.startswith("sf-", na=False)]
    multi = spam[spam.prediction_id.duplicated(keep=False)]
    assert 0.01 < multi.prediction_id.nunique() / spam.prediction_id.nunique() < 0.03
    flipped = multi.groupby("prediction_id").actual_value.nunique()
    assert (flipped == 2).all()

    v = served("healthy", "spam_filter")
    labeled = v.prediction_id.isin(spam.prediction_id)
    coverage = labeled.groupby(v.day).mean()
    assert coverage.iloc[:-3].between(0.85, 0.95).all()  # ~10% never labeled
    assert coverage.iloc[-1] < 0.3  # the last day is only partially labeled
    assert coverage.iloc[-2] < 0.6
    t = v.merge(spam.groupby("prediction_id").labeled_at.min().rename("at"), on="prediction_id")
    delay = (t["at"] - t.predicted_at).dt.total_seconds() / 86400
    assert 0.6 < delay.between(1, 3).mean() < 0.9
    # classification labels are 0/1
    assert set(spam.actual_value.astype(float)) == {0.0, 1.0}


def test_ranked_lists():
    f = served("healthy", "home_feed")
    per_request = f.groupby("request_id")["rank"].agg(["min", "max", "nunique", "size"])
    assert (per_request["min"] == 1).all() and (per_request["max"] == 10).all()
    assert (per_request["nunique"] == 10).all() and (per_request["size"] == 10).all()
    assert not f.duplicated(["request_id", "item_id"]).any()
    ordered = f.sort_values(["request_id", "rank"])
    step = ordered.groupby("request_id").score.diff().dropna()
    assert (step <= 0).all()
    assert (step == 0).any()  # tied scores with distinct ranks
    assert (f.groupby("request_id").is_exploration.nunique() == 1).all()
    share = f.groupby("request_id").is_exploration.first().astype(bool).mean()
    assert 0.08 < share < 0.12
    assert set(f.item_id) <= set(frame("healthy", "items").item_id)
    items = frame("healthy", "items")
    assert items.category.nunique() == 12
    assert (items.created_at >= pd.Timestamp(START)).sum() > 200  # new items every day


def test_lists_fill_even_when_the_model_wants_one_item():
    rng = np.random.default_rng(0)
    n = 30
    catalog = Catalog(
        created_us=np.arange(n, dtype=np.int64),
        category=np.arange(n) % 12,
        quality=rng.normal(size=n),
        popularity=np.ones(n),
    )
    w = np.zeros(n)
    w[3] = 1.0  # every candidate draw is item 3
    r = 500
    items, score, _, _, _ = _serve(
        rng, catalog, w, np.ones(n), rng.integers(0, 12, r), np.zeros(r, bool), 1.0
    )
    assert items.shape == (r, 10)
    assert all(len(set(row)) == 10 for row in items.tolist())
    assert (np.diff(score, axis=1) <= 0).all()


def test_feed_events_and_labels_agree():
    f = served("healthy", "home_feed")
    f = f[f.day < AS_OF - pd.Timedelta(days=1)]
    e = events("healthy")
    e = e[(e.model_name == "home_feed") & e.request_id.isin(f.request_id)]
    impressions = e[e.event_type == "impression"]
    assert len(impressions) == len(f)
    lab = frame("healthy", "labels").dropna(subset=["request_id"])
    lab = lab[lab.request_id.isin(f.request_id)]
    assert lab.prediction_id.isna().all()
    key = ["request_id", "item_id"]
    clicks = set(map(tuple, e[e.event_type == "click"][key].to_numpy()))
    conversions = set(map(tuple, e[e.event_type == "conversion"][key].to_numpy()))
    served_pairs = set(map(tuple, f[key].to_numpy()))
    graded = {
        g: set(map(tuple, lab[lab.actual_value == g][key].to_numpy())) for g in (0.0, 1.0, 2.0)
    }
    assert graded[2.0] == conversions
    assert graded[1.0] & served_pairs == clicks - conversions
    misses = graded[1.0] - served_pairs
    assert len(misses) > 0.1 * f.request_id.nunique()  # relevant but not served
    assert graded[0.0] <= served_pairs - clicks
    assert (e[e.event_type == "conversion"].value > 0).all()


def test_users_are_one_population_with_returning_users():
    users = frame("healthy", "users")
    assert not users.user_id.duplicated().any()
    assert set(users.acquisition_channel) == {"organic", "ads", "referral"}
    assert ((users.signed_up_at >= pd.Timestamp(START)) & (users.signed_up_at < AS_OF)).sum() > 900
    p, e = frame("healthy", "predictions"), events("healthy")
    assert set(p.user_id.dropna()) <= set(users.user_id)
    assert set(e.user_id.dropna()) <= set(users.user_id)
    signups = e[e.event_type == "signup"]
    assert signups.user_id.is_unique
    active = set(map(tuple, e[["user_id", "day"]].drop_duplicates().to_numpy()))
    day1 = [(u, d + pd.Timedelta(days=1)) in active for u, d in signups[["user_id", "day"]].values]
    assert 0.15 < np.mean(day1) < 0.45
    assert {"app_crash", "rating", "support_ticket", "session_end"} <= set(e.event_type)
    sessions = e[e.event_type == "session_end"]
    assert (sessions.value > 0).all() and 200 < sessions.value.astype(float).mean() < 450
    ratings = e[e.event_type == "rating"]
    assert set(ratings.value.astype(float)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert (ratings.model_name == "ticket_summarizer").all()
    tickets = e[e.event_type == "support_ticket"]
    assert set(tickets.properties) == {
        '{"reason": "false_block"}',
        '{"reason": "missed_spam"}',
        '{"reason": "billing"}',
    }
    assert (
        tickets[tickets.model_name == "spam_filter"].properties.str.contains("false_block")
    ).all()


def test_regression_and_generation_tables():
    import sacrebleu

    pe = served("healthy", "price_estimator")
    lab = latest_labels("healthy")
    m = pe.merge(lab, on="prediction_id")
    assert 0.85 < len(m) / len(pe) < 0.95
    actual = m.actual_value.to_numpy(dtype=float)
    assert 0.005 < (actual == 0).mean() < 0.02
    predicted = m.predicted_value.to_numpy(dtype=float)
    assert np.mean((predicted > 50) & (predicted < 500)) > 0.8
    mape = np.mean(np.abs(actual - predicted)[actual != 0] / actual[actual != 0])
    assert 0.1 < mape < 0.3

    ts = served("healthy", "ticket_summarizer")
    refs = ts.merge(lab, on="prediction_id")
    assert 0.4 < len(refs) / len(ts) < 0.55
    assert 0 < (refs.reference_text == "").sum() < 0.05 * len(refs)
    refs = refs[refs.reference_text != ""]
    bleu = sacrebleu.corpus_bleu(refs.generated_text.tolist(), [refs.reference_text.tolist()])
    assert 20 < bleu.score < 60


# --- scenarios ---------------------------------------------------------------


def test_healthy_is_stable():
    s = spam_scored("healthy")
    coverage = s.groupby("day").size() / served("healthy", "spam_filter").groupby("day").size()
    daily = s[s.day.isin(coverage[coverage > 0.5].index)].groupby("day").apply(precision)
    assert (daily - daily.mean()).abs().max() < 0.05
    assert 0.88 < daily.mean() < 0.95
    assert 0.75 < recall(s) < 0.9
    feed = feed_daily("healthy")
    for col in ("ctr", "coverage", "gini"):
        assert (feed[col] / feed[col].mean()).between(0.8, 1.2).all(), col
    assert 0.1 < feed.ctr.mean() < 0.16
    assert 0.4 < feed.coverage.mean() < 0.6 and 0.55 < feed.gini.mean() < 0.7
    assert 0.02 < feed.new_share.mean() < 0.07
    e = events("healthy")
    dau = e.groupby("day").user_id.nunique()
    assert (dau / dau.mean()).between(0.9, 1.1).all()


def test_precision_drop():
    s = spam_scored("precision_drop")
    after = s[(s.day >= INJ) & (s.day < AS_OF - pd.Timedelta(days=2))]
    v3 = after[after.model_version == "v3"]
    v1 = after[after.model_version == "v1"]
    assert 0.45 < len(v3) / len(after) < 0.55
    assert precision(v3) < 0.7 and precision(v1) > 0.85
    assert recall(v3) > 0.75
    assert not (s[s.day < INJ].model_version == "v3").any()
    e = events("precision_drop")
    fb = e[(e.event_type == "support_ticket") & (e.model_name == "spam_filter")]
    per_day = fb.groupby("day").size().reindex(e.day.unique(), fill_value=0)
    pre, post = per_day[per_day.index < INJ].mean(), per_day[per_day.index > INJ].mean()
    assert post > 1.5 * pre
    healthy = events("healthy")
    assert len(fb) > 1.5 * (healthy.model_name == "spam_filter").sum()


def test_filter_bubble():
    feed = feed_daily("filter_bubble").set_index("day")
    pre, post = feed[feed.index < INJ], feed[feed.index >= INJ]
    assert (post.exploration == 0).all() and pre.exploration.mean() > 0.08
    # a loop: day after day, not one step
    assert (post.coverage.diff().dropna() < 0.01).all()
    assert post.coverage.iloc[-1] < 0.5 * pre.coverage.mean()
    assert post.gini.iloc[-1] > pre.gini.mean() + 0.1
    assert post.gini.iloc[-3:].mean() > post.gini.iloc[:3].mean()
    assert post.new_share.iloc[-3:].mean() < 0.005 < pre.new_share.mean()
    assert post.ctr.mean() > 0.95 * pre.ctr.mean()  # short-term CTR holds


def test_popularity_bias():
    feed = feed_daily("popularity_bias").set_index("day")
    pre, post = feed[feed.index < INJ], feed[feed.index >= INJ]
    assert post.new_share.mean() < 0.4 * pre.new_share.mean()
    assert post.coverage.mean() < 0.8 * pre.coverage.mean()
    assert post.gini.mean() > pre.gini.mean() + 0.05
    assert (post.exploration > 0.05).all()


def test_data_drift():
    length = spam_feature("data_drift", "message_length")
    values = length.numeric_value.to_numpy(dtype=float)
    ref = values[(length.day < pd.Timestamp(START) + pd.Timedelta(days=7)).to_numpy()]
    post = values[(length.day >= INJ).to_numpy()]
    pre = values[(length.day < INJ).to_numpy()]
    assert psi(ref, post) > 0.25 and psi(ref, pre) < 0.05
    assert 1.8 < np.median(post) / np.median(pre) < 2.8
    tld = spam_feature("data_drift", "sender_tld")
    share = tld.category_value.isin(["io", "xyz"]).groupby(tld.day >= INJ).mean()
    assert share[True] > share[False] + 0.1
    links = spam_feature("data_drift", "num_links")
    v = links.numeric_value.to_numpy(dtype=float)
    assert psi(v[(links.day < INJ).to_numpy()], v[(links.day >= INJ).to_numpy()]) < 0.05
    pre_p, post_p = before_after(spam_scored("data_drift"), precision)
    assert abs(post_p - pre_p) < 0.05  # quality holds or drops a little


def test_concept_drift():
    s = spam_scored("concept_drift")
    pre_r, post_r = before_after(s, recall)
    assert post_r < pre_r - 0.15
    auc = before_after(s, lambda g: roc_auc_score(g.y, g.s))
    assert auc[1] < auc[0] - 0.07
    for name in ("num_links", "sender_reputation", "message_length"):
        f = spam_feature("concept_drift", name)
        v = f.numeric_value.to_numpy(dtype=float)
        assert psi(v[(f.day < INJ).to_numpy()], v[(f.day >= INJ).to_numpy()]) < 0.02, name
    scores = served("concept_drift", "spam_filter")
    sv = scores.score.to_numpy(dtype=float)
    assert psi(sv[(scores.day < INJ).to_numpy()], sv[(scores.day >= INJ).to_numpy()]) < 0.02


def test_accuracy_up_engagement_down():
    n = ndcg10("accuracy_up_engagement_down")
    pre, post = n[n.day < INJ].ndcg.mean(), n[n.day >= INJ].ndcg.mean()
    assert post > pre + 0.05
    f = served("accuracy_up_engagement_down", "home_feed")
    assert set(f[f.day >= INJ].model_version) == {"v2"}
    assert set(f[f.day < INJ].model_version) == {"v1"}
    e = events("accuracy_up_engagement_down")
    seconds = e[e.event_type == "session_end"].groupby("day").value.mean()
    assert seconds[seconds.index >= INJ].mean() < 0.8 * seconds[seconds.index < INJ].mean()
    dau = e.groupby("day").user_id.nunique()
    assert dau[dau.index > INJ].mean() < 0.9 * dau[dau.index < INJ].mean()


def test_latency_regression():
    for model in ("spam_filter", "home_feed"):
        v = served("latency_regression", model)
        ratio = p95(v[v.day >= INJ].latency_ms) / p95(v[v.day < INJ].latency_ms)
        assert 1.8 < ratio < 2.2, model
    pe = served("latency_regression", "price_estimator")
    assert 0.9 < p95(pe[pe.day >= INJ].latency_ms) / p95(pe[pe.day < INJ].latency_ms) < 1.1
    feed = feed_daily("latency_regression")
    pre, post = feed[feed.day < INJ], feed[feed.day >= INJ]
    assert post.conversion.mean() < 0.7 * pre.conversion.mean()
    assert abs(post.ctr.mean() / pre.ctr.mean() - 1) < 0.1


def test_stale_model_writes_the_registry_and_another_scenario_drops_it(tmp_path):
    path = tmp_path / "wh.duckdb"
    kwargs = dict(days=6, scale=0.05, seed=11, start_date=START)
    counts = generate_warehouse(path, "stale_model", **kwargs)
    assert counts["model_versions"] == 2 and counts["offline_metrics"] == 8
    with duckdb.connect(str(path), read_only=True) as con:
        versions = con.execute(
            "select model_version, trained_at, training_data_end from raw.model_versions order by 1"
        ).fetchall()
        # v1 trained before the window, on data ending before that
        assert [v for v, _, _ in versions] == ["v1", "v2"]
        assert versions[0][1] < dt.datetime(2026, 10, 1) and versions[0][2] < versions[0][1]
    frames = generate_frames("stale_model", **kwargs)
    assert len(frames["offline_metrics"]) == 8
    generate_warehouse(path, "healthy", **kwargs)
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'raw'").fetchall()}  # fmt: skip
    assert "model_versions" not in tables and set(SOURCE_TABLES) <= tables
    assert "model_versions" not in generate_frames("healthy", **kwargs)
