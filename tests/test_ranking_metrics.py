"""ranking_metrics_daily and ranking_beyond_accuracy_daily equal their
references: ranx for the accuracy metrics, the contract's definitions
computed with pandas for coverage, diversity, exposure Gini and new-item
share (tests/fixtures/task_data.py: short lists, tied scores, gapped
ranks, unserved relevant items, requests without a relevant item, revised
labels, a day without labels)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from tests.fixtures.task_data import DAYS, NO_LABEL_DAY
from tests.fixtures.task_reference import (
    BEYOND,
    KS,
    RANKING,
    SERVING,
    build_task_warehouse,
    compare,
    gini,
    ranking_reference,
    ranx_scores,
    report_max_relative_error,
    serving,
    subset_of,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_task_warehouse(tmp_path_factory)


def test_ranking_accuracy_equals_ranx(built):
    frames, _, marts, _ = built
    rows, labels, _ = ranking_reference(frames)
    mart = marts["ranking_metrics_daily"]
    assert len(mart) > 30

    def expected(group):
        subset = subset_of(rows, group)
        out = ranx_scores(subset, labels)
        judged_requests = set(labels.request_id)
        out.update(serving(subset, subset.request_id.isin(judged_requests)))
        return out

    metrics = [f"{m}_at_{k}" for m in RANKING for k in KS] + list(SERVING)
    assert compare(mart, expected, metrics) == []


def test_ranking_day_without_labels_is_null_not_zero(built):
    _, _, marts, _ = built
    mart = marts["ranking_metrics_daily"]
    day = mart[mart.metric_date.astype(str) == str(DAYS[NO_LABEL_DAY].date())]
    assert len(day) and (day.n_predictions > 0).all()
    assert day["ndcg_at_10"].isna().all() and (day["n_evaluated_lists"] == 0).all()
    assert (day["label_coverage"] == 0).all()


def test_beyond_accuracy_equals_contract_definition(built):
    frames, _, marts, _ = built
    rows, _, items = ranking_reference(frames)
    created = pd.to_datetime(items["created_at"])
    mart = marts["ranking_beyond_accuracy_daily"]

    def expected(group):
        subset = subset_of(rows, group)
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
            out[f"exposure_gini_at_{k}"] = gini(top.item_id.value_counts().to_numpy())
            age = (day - pd.to_datetime(top.created_at).dt.normalize()).dt.days
            out[f"new_item_share_at_{k}"] = float(((age >= 0) & (age <= 6)).mean())
        return out

    metrics = ["exploration_share"] + [f"{m}_at_{k}" for m in BEYOND for k in KS]
    assert compare(mart, expected, metrics) == []


def test_report_max_relative_error(built):
    """Runs last in the module: print the largest relative error per metric."""
    report_max_relative_error(
        (
            "precision_at_",
            "recall_at_",
            "ndcg_at_",
            "mrr_at_",
            "map_at_",
            "hit_rate_at_",
            "catalog_coverage_at_",
            "intra_list_diversity_at_",
            "exposure_gini_at_",
            "new_item_share_at_",
            "exploration_share",
        )
    )
