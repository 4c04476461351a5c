"""offline_online_gap_daily against a Python reference written from the
contract (section 3, "Offline vs online"): online metrics from sklearn on
the raw rows, minus the version's offline value; days since training and
since the training data's end; the `__all__` row takes the version serving
most predictions; a version without a registry row and a version without
an offline value are published as null, a model absent from the tables not
at all. Without the optional tables, see test_estimated_metrics.py."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from python_checks.stats.reference import classification_metrics, relative_difference
from tests.conftest import dbt_build, failing_dbt_tests, query, write_warehouse
from tests.fixtures.estimated_data import estimated_frames, registry_frames

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("offline_online")
    frames = {**estimated_frames(seed=5), **registry_frames()}
    warehouse = write_warehouse(root / "wh.duckdb", frames)
    results = dbt_build(warehouse, root / "artifacts")
    rows = query(warehouse, "select * from intermediate.int_classification_predictions")
    gap = query(warehouse, "select * from marts.offline_online_gap_daily")
    return warehouse, results, rows, gap


def _null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def reference_rows(rows: pd.DataFrame) -> dict[tuple, float | None]:
    """(day, model, version, metric_name) -> value, from the contract."""
    registry = registry_frames()
    versions = registry["model_versions"].set_index(["model_name", "model_version"])
    offline = registry["offline_metrics"]
    expected: dict[tuple, float | None] = {}
    for (day, model), day_rows in rows.groupby(["metric_date", "model_name"]):
        counts = day_rows.groupby("model_version").size()
        # the version serving most predictions (ties: the first name)
        top = sorted(counts.index, key=lambda v: (-counts[v], v))[0]
        model_offline = offline[offline.model_name == model]
        names = sorted(set(model_offline.metric_name) - {"not_a_metric"})
        registered = model in set(versions.index.get_level_values(0))
        for version in counts.index:
            online = classification_metrics(day_rows[day_rows.model_version == version])
            values = {}
            for name in names:
                own = model_offline[
                    (model_offline.model_version == version) & (model_offline.metric_name == name)
                ]
                values[f"offline_online_gap_{name}"] = (
                    None
                    if own.empty or online[name] is None
                    else online[name] - own.metric_value.iloc[0]
                )
            if registered:
                day_ts = pd.Timestamp(day)
                if (model, version) in versions.index:
                    entry = versions.loc[(model, version)]
                    values["days_since_training"] = float(
                        (day_ts - entry.trained_at.normalize()).days
                    )
                    values["days_since_training_data"] = (
                        None
                        if pd.isna(entry.training_data_end)
                        else float((day_ts - entry.training_data_end.normalize()).days)
                    )
                else:  # a version without a registry row
                    values["days_since_training"] = None
                    values["days_since_training_data"] = None
            for name, value in values.items():
                expected[(str(day)[:10], model, version, name)] = value
                if version == top:
                    expected[(str(day)[:10], model, "__all__", name)] = value
    return expected


def test_dbt_tests_pass(built):
    _, results, _, _ = built
    # A fixture built to exercise the metrics may breach a demo rule (its
    # drift is not the demo's): the declared rules' tests are those rules'
    # business, the structural tests must hold.
    assert failing_dbt_tests(results) == []


def test_gap_and_staleness_equal_the_reference(built):
    _, _, rows, gap = built
    expected = reference_rows(rows)
    actual = {
        (str(r.metric_date)[:10], r.model_name, r.model_version, r.metric_name): (
            None if _null(r.metric_value) else float(r.metric_value)
        )
        for r in gap.itertuples(index=False)
    }
    assert set(actual) == set(expected)
    mismatches = [
        (key, actual[key], expected[key])
        for key in expected
        if relative_difference(actual[key], expected[key]) > TOLERANCE
    ]
    assert mismatches == []
    assert set(gap.segment) == {"__all__"}
    assert set(gap.model_name) == {"fraud_model", "tiny_model"}
    assert sum(v is not None for v in expected.values()) > 100


def test_versions_without_their_own_rows_are_null_not_dropped(built):
    _, _, _, gap = built
    by = gap.set_index(["model_name", "model_version", "metric_name"]).sort_index()
    # v2 has no training_data_end, no recall and no auc_roc offline value
    assert by.loc[("fraud_model", "v2", "days_since_training_data"), "metric_value"].isna().all()
    assert by.loc[("fraud_model", "v2", "offline_online_gap_recall"), "metric_value"].isna().all()
    # v1 has no offline log_loss; tiny_model's served t1 has no registry row
    assert by.loc[("fraud_model", "v1", "offline_online_gap_log_loss"), "metric_value"].isna().all()
    t1 = by.loc[("tiny_model", "t1", "days_since_training"), "metric_value"]
    assert len(t1) == 14 and t1.isna().all()
    assert "unlabeled_model" not in set(gap.model_name)
    # an offline metric no online mart publishes gets no gap
    assert "offline_online_gap_not_a_metric" not in set(gap.metric_name)
    # staleness grows by one a day
    v1 = by.loc[("fraud_model", "v1", "days_since_training")].sort_values("metric_date")
    assert v1.metric_value.diff().dropna().eq(1).all()
    assert v1.metric_value.iloc[0] == 11  # 2026-05-01 - 2026-04-20


def test_published_in_metrics_daily(built):
    warehouse, _, _, gap = built
    published = query(
        warehouse,
        "select count(*) as n from main.metrics_daily "
        "where metric_name like 'offline_online_gap_%' or metric_name like 'days_since_training%'",
    ).n.iloc[0]
    assert published == len(gap)
