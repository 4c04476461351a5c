"""Every ranking, beyond-accuracy, regression and generation metric equals
its reference (ranx, sklearn/numpy, sacrebleu, rouge_score, or a direct
pandas computation of the contract's definition) for every day, version,
segment and rollup, on data the demo generator did not make
(tests/task_data.py: short lists, tied scores, gapped ranks, unserved
relevant items, requests without a relevant item, revised labels, zero and
constant true values, empty references, a day without labels)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import sacrebleu
from ranx import Qrels, Run, evaluate
from rouge_score import rouge_scorer
from sklearn import metrics as skm

from python_checks.stats.reference import relative_difference
from tests.conftest import dbt_build, query, write_warehouse
from tests.task_data import DAYS, NO_LABEL_DAY, task_frames

TOLERANCE = 1e-9
KS = (5, 10)
RANKING = ("precision", "recall", "ndcg", "mrr", "map", "hit_rate")
BEYOND = ("catalog_coverage", "intra_list_diversity", "exposure_gini", "new_item_share")
REGRESSION = ("mae", "rmse", "mape", "mean_error", "r2")
GENERATION = ("bleu", "rouge1_f", "rouge2_f", "rougel_f")
SERVING = ("n_predictions", "n_labeled", "label_coverage") + tuple(
    f"latency_p{p}_ms" for p in (50, 95, 99)
)
MAX_ERROR: dict[str, float] = {}  # metric -> largest relative error seen (reported by -s)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("tasks")
    frames = task_frames(seed=11)
    warehouse = write_warehouse(root / "wh.duckdb", frames)
    results = dbt_build(warehouse, root / "artifacts")
    marts = {
        name: query(warehouse, f"select * from marts.{name}")
        for name in (
            "ranking_metrics_daily",
            "ranking_beyond_accuracy_daily",
            "regression_metrics_daily",
            "generation_metrics_daily",
        )
    }
    published = query(warehouse, "select * from main.metrics_daily")
    return frames, results, marts, published


# ---------------------------------------------------------------- helpers
def _rows(frames, task: str) -> pd.DataFrame:
    rows = frames["predictions"]
    rows = rows[rows.task_type == task].copy()
    rows["segment"] = rows["segment"].fillna("unknown")
    rows["metric_date"] = pd.to_datetime(rows["predicted_at"]).dt.date
    return rows


def _latest_labels(frames) -> pd.DataFrame:
    labels = frames["labels"].sort_values("labeled_at")
    return labels


def _subset(rows: pd.DataFrame, group) -> pd.DataFrame:
    out = rows[(rows.metric_date == pd.Timestamp(group.metric_date).date())]
    if group.model_version != "__all__":
        out = out[out.model_version == group.model_version]
    if group.segment != "__all__":
        out = out[out.segment == group.segment]
    return out


def _value(x) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return None
    return float(x)


def _compare(mart: pd.DataFrame, expected_of, metrics) -> list:
    mismatches = []
    for group in mart.itertuples(index=False):
        expected = expected_of(group)
        for metric in metrics:
            actual = _value(getattr(group, metric))
            want = _value(expected[metric])
            error = relative_difference(actual, want)
            if error != float("inf"):
                MAX_ERROR[metric] = max(MAX_ERROR.get(metric, 0.0), error)
            if error > TOLERANCE:
                mismatches.append(
                    (
                        metric,
                        str(group.metric_date),
                        group.model_version,
                        group.segment,
                        actual,
                        want,
                    )
                )
    return mismatches


def _serving(rows: pd.DataFrame, labeled: pd.Series) -> dict:
    latency = rows["latency_ms"].dropna().to_numpy(float)
    out = {
        "n_predictions": len(rows),
        "n_labeled": int(labeled.sum()),
        "label_coverage": labeled.mean() if len(rows) else None,
    }
    for p in (50, 95, 99):
        out[f"latency_p{p}_ms"] = float(np.percentile(latency, p)) if len(latency) else None
    return out


# ---------------------------------------------------------------- ranking
def _ranking_reference(frames):
    rows = _rows(frames, "ranking").sort_values(["request_id", "rank"])
    rows["position"] = rows.groupby("request_id").cumcount() + 1
    labels = _latest_labels(frames)
    labels = labels[labels.request_id.notna()].drop_duplicates(
        ["request_id", "item_id"], keep="last"
    )
    items = frames["items"].set_index("item_id")
    rows["category"] = rows["item_id"].map(items["category"]).fillna("__unknown__")
    rows["created_at"] = rows["item_id"].map(items["created_at"])
    return rows, labels, items


def _ranx(rows: pd.DataFrame, labels: pd.DataFrame) -> dict:
    requests = set(rows.request_id)
    judged = labels[labels.request_id.isin(requests)]
    relevant = judged[judged.actual_value > 0]
    evaluated = sorted(set(relevant.request_id))
    expected = {f"{m}_at_{k}": None for m in RANKING for k in KS}
    if not evaluated:
        return expected
    qrels = Qrels(
        {
            q: {r.item_id: int(r.actual_value) for r in judged[judged.request_id == q].itertuples()}
            for q in evaluated
        }
    )
    # scores from rank only: tied served scores must not reorder the list
    run = Run(
        {
            q: {r.item_id: 1.0 / r.rank for r in rows[rows.request_id == q].itertuples()}
            for q in evaluated
        }
    )
    names = {f"{m}@{k}": f"{m}_at_{k}" for m in RANKING for k in KS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = evaluate(qrels, run, list(names), make_comparable=False)
    return {names[k]: float(v) for k, v in scores.items()}


def test_dbt_build_passes(built):
    _, results, _, _ = built
    failing = [r.message for r in results if r.status != "passed" and r.severity == "error"]
    assert failing == []


def test_ranking_accuracy_equals_ranx(built):
    frames, _, marts, _ = built
    rows, labels, _ = _ranking_reference(frames)
    mart = marts["ranking_metrics_daily"]
    assert len(mart) > 30

    def expected(group):
        subset = _subset(rows, group)
        out = _ranx(subset, labels)
        judged_requests = set(labels.request_id)
        out.update(_serving(subset, subset.request_id.isin(judged_requests)))
        return out

    metrics = [f"{m}_at_{k}" for m in RANKING for k in KS] + list(SERVING)
    assert _compare(mart, expected, metrics) == []


def test_ranking_day_without_labels_is_null_not_zero(built):
    _, _, marts, _ = built
    mart = marts["ranking_metrics_daily"]
    day = mart[mart.metric_date.astype(str) == str(DAYS[NO_LABEL_DAY].date())]
    assert len(day) and (day.n_predictions > 0).all()
    assert day["ndcg_at_10"].isna().all() and (day["n_evaluated_lists"] == 0).all()
    assert (day["label_coverage"] == 0).all()


def _gini(x: np.ndarray) -> float:
    x = np.asarray(x, float)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


def test_beyond_accuracy_equals_contract_definition(built):
    frames, _, marts, _ = built
    rows, _, items = _ranking_reference(frames)
    created = pd.to_datetime(items["created_at"])
    mart = marts["ranking_beyond_accuracy_daily"]

    def expected(group):
        subset = _subset(rows, group)
        day = pd.Timestamp(group.metric_date)
        in_catalog = (created.isna() | (created.dt.normalize() <= day)).sum()
        lists = subset.groupby("request_id")
        out = {"exploration_share": lists["is_exploration"].any().mean()}
        for k in KS:
            top = subset[subset.position <= k]
            out[f"catalog_coverage_at_{k}"] = top.item_id.nunique() / in_catalog
            shares = []
            for _, lst in top.groupby("request_id"):
                pairs = list(itertools.combinations(lst.category, 2))
                if pairs:
                    shares.append(np.mean([a != b for a, b in pairs]))
            out[f"intra_list_diversity_at_{k}"] = float(np.mean(shares)) if shares else None
            out[f"exposure_gini_at_{k}"] = _gini(top.item_id.value_counts().to_numpy())
            age = (day - pd.to_datetime(top.created_at).dt.normalize()).dt.days
            out[f"new_item_share_at_{k}"] = float(((age >= 0) & (age <= 6)).mean())
        return out

    metrics = ["exploration_share"] + [f"{m}_at_{k}" for m in BEYOND for k in KS]
    assert _compare(mart, expected, metrics) == []


# ---------------------------------------------------------------- regression
def test_regression_equals_sklearn(built):
    frames, _, marts, _ = built
    rows = _rows(frames, "regression")
    labels = _latest_labels(frames)
    labels = labels[labels.prediction_id.notna()].drop_duplicates("prediction_id", keep="last")
    rows["actual"] = rows["prediction_id"].map(labels.set_index("prediction_id")["actual_value"])
    mart = marts["regression_metrics_daily"]

    def expected(group):
        subset = _subset(rows, group)
        scored = subset[subset.actual.notna()]
        y, p = scored.actual.to_numpy(float), scored.predicted_value.to_numpy(float)
        nonzero = y != 0
        out = _serving(subset, subset.actual.notna())
        if len(y) == 0:
            return out | dict.fromkeys(REGRESSION)
        out["mae"] = skm.mean_absolute_error(y, p)
        out["rmse"] = math.sqrt(skm.mean_squared_error(y, p))
        out["mean_error"] = float(np.mean(p - y))
        out["mape"] = (
            skm.mean_absolute_percentage_error(y[nonzero], p[nonzero]) if nonzero.any() else None
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # undefined (null) with one row or constant actuals: sklearn nan / force_finite
            r2 = skm.r2_score(y, p, force_finite=False)
        out["r2"] = float(r2) if np.isfinite(r2) else None
        return out

    assert _compare(mart, expected, list(REGRESSION) + list(SERVING)) == []
    rollup = mart[(mart.model_version == "__all__") & (mart.segment == "__all__")]
    assert rollup.r2.notna().sum() == 3  # the no-label day has none
    constant = mart[
        (mart.metric_date.astype(str) == str(DAYS[1].date())) & (mart.model_version == "b")
    ]
    assert constant.r2.isna().all() and constant.mae.notna().all()
    lonely = mart[mart.segment == "tv"]
    assert lonely.r2.isna().all() and (lonely.n_scored == 1).all()


# ---------------------------------------------------------------- generation
def test_generation_equals_sacrebleu_and_rouge_score(built):
    frames, _, marts, _ = built
    rows = _rows(frames, "generation")
    labels = _latest_labels(frames)
    labels = labels[labels.prediction_id.notna()].drop_duplicates("prediction_id", keep="last")
    rows["has_label"] = rows.prediction_id.isin(set(labels.prediction_id))
    rows["reference"] = rows.prediction_id.map(labels.set_index("prediction_id")["reference_text"])
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    mart = marts["generation_metrics_daily"]
    assert (rows.reference == "").any()

    def expected(group):
        subset = _subset(rows, group)
        pairs = subset[subset.reference.notna()]
        hyps = pairs.generated_text.fillna("").tolist()
        refs = pairs.reference.tolist()
        out = _serving(subset, subset.has_label)
        if not refs:
            return out | dict.fromkeys(GENERATION)
        out["bleu"] = sacrebleu.corpus_bleu(hyps, [refs]).score
        scores = [scorer.score(r, h) for r, h in zip(refs, hyps, strict=True)]
        for name in ("rouge1", "rouge2", "rougeL"):
            out[f"{name.lower()}_f"] = float(np.mean([s[name].fmeasure for s in scores]))
        return out

    assert _compare(mart, expected, list(GENERATION) + list(SERVING)) == []


# ---------------------------------------------------------------- published
def test_every_metric_is_published_at_the_rollup(built):
    _, _, marts, published = built
    names = {
        "recsys": [f"{m}_at_{k}" for m in RANKING + BEYOND for k in KS] + ["exploration_share"],
        "valuer": list(REGRESSION),
        "writer": ["bleu", "rouge1_f", "rouge2_f", "rougeL_f"],
    }
    for model, metrics in names.items():
        rollup = published[
            (published.model_name == model)
            & (published.model_version == "__all__")
            & (published.segment == "__all__")
        ]
        for metric in [*metrics, *SERVING]:
            days = rollup[rollup.metric_name == metric]
            assert len(days) == len(DAYS), (model, metric)
    layers = published.drop_duplicates("metric_name").set_index("metric_name")["layer"]
    assert layers["exposure_gini_at_10"] == "feedback_loop"
    assert layers["ndcg_at_5"] == "model_quality"
    # the wide mart and the long interface agree
    wide = marts["ranking_metrics_daily"]
    long = published[published.metric_name == "ndcg_at_10"].merge(
        wide, on=["metric_date", "model_name", "model_version", "segment"]
    )
    assert len(long) == len(wide)
    assert np.allclose(long.metric_value, long.ndcg_at_10, rtol=0, atol=0, equal_nan=True)


def test_report_max_relative_error(built):
    """Runs last in the module: print the largest relative error per metric."""
    for metric, error in sorted(MAX_ERROR.items()):
        print(f"max relative error {metric}: {error:.3g}")
