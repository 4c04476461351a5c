"""Business metrics on a hand-built, contract-shaped warehouse
(tests/fixtures/business_data.py) equal the values worked out by hand."""

from __future__ import annotations

import math

import pytest

from tests.conftest import dbt_build, failing_dbt_tests, query, write_warehouse
from tests.fixtures.business_data import D1, D2, D8, business_frames


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("business")
    warehouse = write_warehouse(root / "wh.duckdb", business_frames())
    results = dbt_build(warehouse, root / "artifacts")
    mart = query(warehouse, "select * from marts.business_metrics_daily")
    mart["metric_date"] = mart["metric_date"].astype(str)
    return warehouse, results, mart


def row(mart, day, model="__product__", segment="__all__"):
    found = mart[(mart.metric_date == day) & (mart.model_name == model) & (mart.segment == segment)]
    assert len(found) == 1, (day, model, segment)
    return found.iloc[0]


def null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_dbt_tests_pass(built):
    _, results, _ = built
    assert failing_dbt_tests(results) == []


def test_product_day_1_exact(built):
    r = row(built[2], D1)
    assert r.daily_active_users == 3
    assert r.ctr == 2 / 5  # the re-delivered click counts once
    assert r.conversion_rate == 1 / 5
    assert r.revenue_per_user == pytest.approx(20 / 3, rel=1e-12)
    assert r.sessions_per_user == 1.0
    assert r.avg_session_seconds == pytest.approx(200.0)
    assert r.support_tickets_per_1k_users == pytest.approx(1000 / 3)
    assert r.support_tickets_per_1k_users_false_block == pytest.approx(1000 / 3)
    assert r.avg_rating == 3.0
    assert r.new_users == 2
    assert r.unknown_event_types == 1


def test_product_day_2_exact(built):
    r = row(built[2], D2)
    assert r.daily_active_users == 2
    assert r.ctr == 1 / 2
    assert r.conversion_rate == 0.0
    assert r.new_users == 1
    assert r.return_rate == pytest.approx(1 / 3)  # of u1, u2, u3 only u1 is back


def test_retention_of_a_hand_built_cohort(built):
    day_1, day_2, day_8 = row(built[2], D1), row(built[2], D2), row(built[2], D8)
    # cohort of day 1: u1 and u2; u1 is back on day 2 and on day 8
    assert day_1.cohort_size == 2
    assert day_1.d1_retention == 0.5
    assert day_1.d7_retention == 0.5
    # cohort of day 2: u4, never back; day 3 is observed (data runs to day 8), day 9 is not
    assert day_2.d1_retention == 0.0
    assert null(day_2.d7_retention)
    # the last day's follow-up has not happened yet: null, never 0
    assert null(day_8.d1_retention)


def test_activation(built):
    # u1 used home_feed within minutes of signing up; u2's only AI event is a ticket
    assert row(built[2], D1).activation_rate == 0.5
    assert row(built[2], D2).activation_rate == 0.0


def test_segments_follow_the_served_list_then_the_user(built):
    mart = built[2]
    assert row(mart, D1, segment="web").ctr == 1 / 3
    assert row(mart, D1, segment="ios").ctr == 1 / 2
    assert row(mart, D1, segment="android").support_tickets == 1  # u2's spam segment
    assert row(mart, D2, segment="unknown").daily_active_users == 1  # u4 has no prediction


def test_feature_scope_holds_its_sessions(built):
    r = row(built[2], D1, model="home_feed")
    assert r.daily_active_users == 2
    assert r.ctr == 2 / 5
    assert r.avg_session_seconds == pytest.approx(150.0)  # s1 and s3 used the feed


def test_published_in_metrics_daily(built):
    warehouse = built[0]
    rows = query(
        warehouse,
        "select metric_name, metric_value, sample_size, layer from main.metrics_daily "
        "where model_name = '__product__' and segment = '__all__' and metric_date = ?",
        [D1],
    ).set_index("metric_name")
    # unknown_event_types is published once, by the data_quality layer.
    assert set(rows.layer.drop("unknown_event_types", errors="ignore")) == {"business"}
    assert rows.loc["ctr", "metric_value"] == 0.4
    assert rows.loc["ctr", "sample_size"] == 5
    assert rows.loc["daily_active_users", "metric_value"] == 3
    assert rows.loc["conversion_rate", "metric_value"] == 0.2


# ---- cross-layer consistency: clean on the hand-built warehouse, and each
# injected inconsistency is caught (the staging views read raw, so a row
# written to raw after the build reaches the checks without a rebuild).


def run_consistency(warehouse, tmp_path, inject: str | None = None):
    import shutil

    import duckdb

    from python_checks import declare
    from python_checks.checks import CheckContext
    from python_checks.checks.consistency import cross_layer_consistency
    from python_checks.warehouse.engine import DuckDBEngine

    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, copy)
    if inject:
        con = duckdb.connect(str(copy))
        con.execute(inject)
        con.close()
    engine = DuckDBEngine(copy)
    try:
        ctx = CheckContext(engine=engine, declarations=declare.load(), metrics=engine.metrics())
        return cross_layer_consistency(ctx)
    finally:
        engine.close()


def breached(results, metric):
    return [r for r in results if r.metric == metric and r.status == "breached"]


def test_consistency_holds_on_a_consistent_warehouse(built, tmp_path):
    results = run_consistency(built[0], tmp_path)
    assert [r.message for r in results if r.status == "breached"] == []
    checked = {r.metric for r in results if r.status == "passed"}
    assert checked == {
        "impressions_vs_served_items",
        "clicks_without_impression",
        "tickets_from_unserved_users",
        "n_predictions_vs_staged",
    }


_EVENT = (
    "insert into raw.events (event_id, user_id, session_id, event_type, occurred_at, "
    "model_name, request_id, item_id, properties) values "
)


@pytest.mark.parametrize(
    ("inject", "metric"),
    [
        (
            _EVENT
            + "('x1', 'u3', 's3', 'click', '2024-01-01 12:05', 'home_feed', 'r2', 'a2', null)",
            "clicks_without_impression",
        ),
        (
            "delete from raw.events where request_id = 'r1' and item_id = 'c' "
            "and event_type = 'impression'",
            "impressions_vs_served_items",
        ),
        (
            _EVENT + "('x2', 'u3', 's3', 'support_ticket', '2024-01-01 12:05', 'spam_filter', "
            'null, null, \'{"reason": "false_block"}\')',
            "tickets_from_unserved_users",
        ),
        (
            "insert into raw.predictions (prediction_id, model_name, model_version, task_type, "
            "predicted_at, user_id, segment, score, threshold, predicted_label) values "
            "('sf-2', 'spam_filter', 'v1', 'binary_classification', '2024-01-01 10:00', 'u2', "
            "'android', 0.1, 0.5, false)",
            "n_predictions_vs_staged",
        ),
    ],
)
def test_consistency_catches_an_injected_inconsistency(built, tmp_path, inject, metric):
    results = run_consistency(built[0], tmp_path, inject)
    assert breached(results, metric), [r.message for r in results]
    others = [r for r in results if r.status == "breached" and r.metric != metric]
    assert others == []


def test_a_reused_prediction_id_counts_where_staging_keeps_it(built, tmp_path):
    """sf-1 (spam_filter, 09:30) delivered again for another model later that
    day: staging keeps the first delivery, and so does the check; by model
    name ('another_model' < 'spam_filter') it would count the id for the
    wrong model and report spam_filter's day as different."""
    inject = (
        "insert into raw.predictions (prediction_id, model_name, model_version, task_type, "
        "predicted_at, user_id, segment, predicted_value) values "
        "('sf-1', 'another_model', 'v1', 'regression', '2024-01-01 10:00', 'u2', 'android', 3.0)"
    )
    results = run_consistency(built[0], tmp_path, inject)
    counts = {r.model: r for r in results if r.metric == "n_predictions_vs_staged"}
    assert counts["spam_filter"].status == "passed", counts["spam_filter"].message
    assert "another_model" not in counts  # no delivery of its own is kept
    assert breached(results, "n_predictions_vs_staged") == []
