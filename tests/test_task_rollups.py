"""The task marts reach metrics_daily: every ranking, beyond-accuracy,
regression and generation metric is published at the __all__ rollup for
every day, with its layer, and the long interface equals the wide mart."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.task_data import DAYS
from tests.fixtures.task_reference import (
    BEYOND,
    KS,
    RANKING,
    REGRESSION,
    SERVING,
    build_task_warehouse,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_task_warehouse(tmp_path_factory)


def test_dbt_build_passes(built):
    _, failing, _, _ = built
    assert failing == []


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
