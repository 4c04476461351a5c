"""The per-day models are incremental (macros/incremental/): a night
recomputes the last `lookback_days` days plus older days whose labels
changed. These tests hold the pattern to its promises: the same night twice
is byte-identical, a run killed half-way and re-run equals an uninterrupted
one, and an incremental night after a new day, revised old labels, a late
label and a cross-day re-delivery equals a full refresh exactly, the drift
chain included (its reference grows with the new day)."""

from __future__ import annotations

import hashlib
import re
import shutil
import signal
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from python_checks import paths
from python_checks.warehouse import dbt
from python_checks.warehouse.engine import DuckDBEngine
from tests.conftest import failing_dbt_tests, write_warehouse
from tests.fixtures.classification_data import classification_frames

# Short lookback so that the first days of the 5-day data are "old".
LOOKBACK = {"lookback_days": 2}

# Every incremental per-day model and the published interface, each with the
# columns that order it completely.
TABLES = {
    "main.metrics_daily": (
        "metric_date, model_name, model_version, segment, metric_name, feature_name"
    ),
    "marts.classification_metrics_daily": "metric_date, model_name, model_version, segment",
    "marts.classification_estimated_daily": "metric_date, model_name, model_version, segment",
    "intermediate.int_classification_calibration": "model_name, reference_id",
    "marts.classification_threshold_curve": (
        "metric_date, model_name, model_version, segment, threshold"
    ),
    "marts.data_quality_daily": "metric_date, model_name",
    "intermediate.int_classification_score_counts": (
        "metric_date, model_name, model_version, segment, score"
    ),
    "intermediate.int_classification_rank_statistics": (
        "metric_date, model_name, model_version, segment"
    ),
    "intermediate.int_predictions_labeled": "prediction_id",
    "staging.stg_raw__predictions": "prediction_id",
    "staging.stg_raw__label_deliveries": (
        "metric_date, labeled_at, prediction_id, request_id, item_id, actual_value, "
        "quarantine_reason"
    ),
    "staging.stg_raw__prediction_feature_deliveries": (
        "prediction_id, feature_name, quarantine_reason, delivery_rank"
    ),
    "marts.source_reconciliation": "source_table",
    "marts.drift_numeric_daily": "metric_date, model_name, feature_name",
    "marts.drift_categorical_daily": "metric_date, model_name, feature_name",
    "marts.drift_verdict_daily": "metric_date, model_name",
    "intermediate.int_drift_observations": (
        "metric_date, model_name, feature_name, feature_kind, numeric_value, category_value"
    ),
    "intermediate.drift_reference_numeric": "model_name, reference_id, feature_name",
    "intermediate.drift_reference_ecdf": "model_name, reference_id, feature_name, numeric_value",
    "intermediate.drift_reference_categories": (
        "model_name, reference_id, feature_name, category_value"
    ),
    "marts.source_reconciliation_daily": "source_table, metric_date",
    "marts.ranking_metrics_daily": "metric_date, model_name, model_version, segment",
    "marts.ranking_beyond_accuracy_daily": "metric_date, model_name, model_version, segment",
    "marts.regression_metrics_daily": "metric_date, model_name, model_version, segment",
    "marts.generation_metrics_daily": "metric_date, model_name, model_version, segment",
    "marts.business_metrics_daily": "metric_date, model_name, model_version, segment",
    "marts.data_quality_reasons_daily": "metric_date, model_name, source_table, metric_name",
    "marts.prediction_completeness_daily": "metric_date, model_name",
    "intermediate.int_ranking_served": "request_id, position",
    "intermediate.int_ranking_requests": "request_id",
    "intermediate.int_events_attributed": "event_id",
    "intermediate.int_generation_text_scores": "metric_date, model_name, model_version, segment",
}

# Drift inputs for every prediction whose id matches: a numeric feature that
# shifts with the day and a categorical one (the classification frames have
# none), so the drift chain runs on the incremental warehouses too.
FEATURES = """
    insert into raw.prediction_features (prediction_id, feature_name, numeric_value, category_value)
    select prediction_id, 'amount',
        (hash(prediction_id, 'amount') % 1000) / 10.0 + extract(day from predicted_at), null
    from raw.predictions where prediction_id like '{pattern}'
    union all
    select prediction_id, 'channel', null,
        ['email', 'ads', 'organic'][cast(1 + hash(prediction_id, 'channel') % 3 as bigint)]
    from raw.predictions where prediction_id like '{pattern}'
"""


def _build(warehouse: Path, artifacts: Path, full_refresh: bool = False) -> None:
    session = dbt.Dbt(DuckDBEngine(warehouse), artifacts, LOOKBACK, quiet=True)
    results = session.build(full_refresh=full_refresh)
    # Structure only: the declared rules' verdicts (a scaled-down demo has
    # small days that breach them) are the rules' business, not this test's.
    assert failing_dbt_tests(results) == []


def snapshot(warehouse: Path, where: dict[str, str] | None = None) -> dict[str, tuple[str, int]]:
    """Per table: a digest of every value's exact repr (so 0.1 + 1e-17
    differs, and -0.0 differs from 0.0) in a total order, and the row count.
    `where`: a filter per table, if any."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        digests = {}
        for table, order in TABLES.items():
            kept = f"where {where[table]}" if where and table in where else ""
            rows = con.execute(f"select * from {table} {kept} order by {order}").fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            digests[table] = (digest, len(rows))
        return digests
    finally:
        con.close()


def _execute(warehouse: Path, statements: list[str]) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


# The next night's data: a new day, a late re-delivery of an old prediction
# (its earliest delivery, four days earlier, must keep winning), labels
# revised on the first day (older than the lookback), a first label for an
# unlabeled old prediction, and an old label re-sent unchanged.
NEXT_NIGHT = [
    """
    insert into raw.predictions (prediction_id, model_name, model_version, task_type,
        predicted_at, segment, score, threshold, predicted_label, latency_ms)
    select 'new-' || i, 'fraud_model', case when i % 3 = 0 then 'b' else 'a' end,
        'binary_classification', timestamp '2026-03-06 00:00:00' + i * interval 7 minute,
        case when i % 2 = 0 then 'web' else 'ios' end,
        (i % 17) / 17.0, 0.5, (i % 17) / 17.0 >= 0.5, 20 + i % 11
    from range(150) as t(i)
    """,
    FEATURES.format(pattern="new-%"),
    """
    insert into raw.predictions (prediction_id, model_name, model_version, task_type,
        predicted_at, segment, score, threshold, predicted_label, latency_ms)
    select prediction_id, model_name, model_version, task_type,
        timestamp '2026-03-06 08:00:00', segment, 0.99, threshold, true, latency_ms
    from raw.predictions
    where prediction_id in ('2026-03-02-a-5', '2026-03-02-b-7')
    """,
    """
    insert into raw.labels (prediction_id, actual_value, labeled_at)
    select 'new-' || i, case when i % 5 < 2 then 1 else 0 end,
        timestamp '2026-03-07 01:00:00'
    from range(150) as t(i) where i % 4 <> 0
    """,
    """
    insert into raw.labels (prediction_id, actual_value, labeled_at)
    select prediction_id, 1 - actual_value, timestamp '2026-03-07 02:00:00'
    from raw.labels
    where prediction_id like '2026-03-01-a-%' and actual_value is not null
        and cast(split_part(prediction_id, '-', 5) as integer) % 6 = 0
    """,
    """
    insert into raw.labels (prediction_id, actual_value, labeled_at)
    select p.prediction_id, 1, timestamp '2026-03-07 03:00:00'
    from raw.predictions as p
    left join raw.labels as l on p.prediction_id = l.prediction_id
    where l.prediction_id is null and p.predicted_at < timestamp '2026-03-02 00:00:00'
    order by p.prediction_id
    limit 5
    """,
]


@pytest.fixture(scope="module")
def first_night(tmp_path_factory) -> Path:
    """A warehouse after its first (whole) build, to copy from."""
    root = tmp_path_factory.mktemp("incremental")
    warehouse = write_warehouse(root / "wh.duckdb", classification_frames(seed=5))
    _execute(warehouse, [FEATURES.format(pattern="%")])
    _build(warehouse, root / "artifacts")
    return warehouse


def _copy(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "wh.duckdb"
    shutil.copy(source, target)
    return target


@pytest.fixture(scope="module")
def next_night_data(first_night, tmp_path_factory) -> Path:
    """The first night's warehouse with the next night's data, not built."""
    warehouse = _copy(first_night, tmp_path_factory.mktemp("next_data"))
    _execute(warehouse, NEXT_NIGHT)
    return warehouse


@pytest.fixture(scope="module")
def next_night(next_night_data, tmp_path_factory) -> Path:
    """The next night built incrementally, uninterrupted."""
    root = tmp_path_factory.mktemp("next_night")
    warehouse = _copy(next_night_data, root)
    _build(warehouse, root / "artifacts")
    return warehouse


def test_the_next_night_recomputes_old_days_with_changed_labels_only(next_night):
    con = duckdb.connect(str(next_night), read_only=True)
    try:
        days = [
            str(d)
            for (d,) in con.execute(
                "select metric_date from staging.stg_mpm__recompute_days order by 1"
            ).fetchall()
        ]
        duplicates = con.execute(
            "select duplicate_predictions from marts.data_quality_daily "
            "where metric_date = date '2026-03-06'"
        ).fetchall()
    finally:
        con.close()
    # The lookback (2 days) and the first day, whose labels were revised; not
    # the days between.
    assert days == ["2026-03-01", "2026-03-05", "2026-03-06"]
    # The late re-delivery is a duplicate on the new day, not a prediction.
    assert duplicates == [(2,)]
    assert max(_marks(next_night)) == pd.Timestamp("2026-03-07 03:00:00")


def test_large_tables_insert_a_night_straight_into_the_table(next_night):
    """The per-prediction tables that declare writes_days skip dbt-duckdb's
    copy through a temporary table: their temporary relation is a view
    (macros/incremental/duckdb__create_table_as.sql), and the night deletes
    and inserts their days directly. Other incremental models keep the
    adapter's temporary table. The equality tests below show both write
    the same rows as a full refresh."""
    log = (next_night.parent / "artifacts" / "logs" / "dbt.log").read_text()
    for model in (
        "stg_raw__predictions",
        "stg_raw__prediction_feature_deliveries",
        "int_predictions_labeled",
    ):
        assert re.search(rf'create temporary view "{model}__dbt_tmp\d*" as', log), model
        assert not re.search(rf'create temporary table\s+"{model}__dbt_tmp', log), model
    assert re.search(r'create temporary table\s+"int_classification_score_counts__dbt_tmp', log)


def test_a_night_leaves_no_temporary_table_in_the_warehouse(next_night):
    """dbt-duckdb writes an incremental Python model's night to a real
    `<model>__dbt_tmp<timestamp>` table and never drops it: one more table
    a night. The model's post-hook (drop_python_temp_tables) drops it."""
    log = (next_night.parent / "artifacts" / "logs" / "dbt.log").read_text()
    # The night did score generation pairs through that table.
    assert re.search(r"int_generation_text_scores__dbt_tmp\d+", log)
    con = duckdb.connect(str(next_night), read_only=True)
    try:
        leftovers = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_name like '%dbt_tmp%'"
        ).fetchall()
    finally:
        con.close()
    assert leftovers == []


def test_the_drift_chain_runs_on_these_warehouses(next_night):
    """The equality tests below cover drift: metrics_daily holds drift rows
    of a numeric and a categorical feature and of the verdict."""
    con = duckdb.connect(str(next_night), read_only=True)
    try:
        names = {
            name
            for (name,) in con.execute(
                "select distinct metric_name || ':' || feature_name from main.metrics_daily "
                "where layer = 'drift' and metric_date = date '2026-03-06'"
            ).fetchall()
        }
    finally:
        con.close()
    assert {
        "psi:amount",
        "ks_statistic:amount",
        "js_distance:channel",
        "psi:__prediction__",
    } <= names
    assert any(name.startswith("data_drift_detected") for name in names)


def test_the_same_night_twice_is_byte_identical(first_night, next_night, tmp_path):
    unchanged = _copy(first_night, tmp_path / "first")
    _build(unchanged, tmp_path / "a1")
    assert snapshot(unchanged) == snapshot(first_night)
    again = _copy(next_night, tmp_path / "next")
    _build(again, tmp_path / "a2")
    assert snapshot(again) == snapshot(next_night)


def test_incremental_night_equals_full_refresh(next_night_data, next_night, tmp_path):
    full = _copy(next_night_data, tmp_path / "full")
    _build(full, tmp_path / "a1", full_refresh=True)
    assert snapshot(next_night) == snapshot(full)
    # --full-refresh tests every day, whatever stg_mpm__recompute_days holds
    tested = _compiled_test(tmp_path / "a1", "unique_int_predictions_labeled_prediction_id")
    assert "(1 = 1)" in tested and "metric_date >=" not in tested


def _kill_mid_build(warehouse: Path, artifacts: Path, after_model: str) -> None:
    """Start `dbt build` and SIGKILL it as soon as `after_model` has built."""
    artifacts.mkdir(parents=True, exist_ok=True)
    command = dbt.cli_command(["build", "--vars", '{"lookback_days": 2}'])
    process = subprocess.Popen(
        command,
        cwd=paths.PROJECT_ROOT,
        env=dbt.cli_environment(DuckDBEngine(warehouse), artifacts),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    killed = False
    assert process.stdout is not None
    for line in process.stdout:
        if "OK created" in line and f".{after_model} " in line:
            process.send_signal(signal.SIGKILL)
            killed = True
            break
    process.wait(timeout=300)
    process.stdout.close()
    assert killed, f"dbt finished before {after_model} was built"


def test_a_run_killed_half_way_and_rerun_equals_an_uninterrupted_one(
    next_night_data, next_night, first_night, tmp_path
):
    interrupted = _copy(next_night_data, tmp_path / "killed")
    # Killed after the classification marts, before metrics_daily and the
    # on-run-end hook: the marts hold the new night, metrics_daily the old.
    _kill_mid_build(interrupted, tmp_path / "a1", "classification_metrics_daily")
    half = snapshot(interrupted)
    assert half != snapshot(next_night)
    assert half["main.metrics_daily"] == snapshot(first_night)["main.metrics_daily"]
    assert _marks(interrupted) == _marks(first_night)  # the mark did not advance

    _build(interrupted, tmp_path / "a2")
    assert snapshot(interrupted) == snapshot(next_night)


def test_a_partial_run_does_not_advance_the_high_water_mark(next_night_data, first_night, tmp_path):
    """`dbt build --select` one model must not let later nights skip the
    late-labeled days the other models have not recomputed yet."""
    warehouse = _copy(next_night_data, tmp_path / "wh")
    dbt.Dbt(DuckDBEngine(warehouse), tmp_path / "a1", LOOKBACK, quiet=True).invoke(
        ["build", "--select", "stg_mpm__recompute_days", "stg_raw__predictions"]
    )
    assert _marks(warehouse) == _marks(first_night)


def _marks(warehouse: Path) -> list:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [
            pd.Timestamp(m)
            for (m,) in con.execute(
                "select high_water_mark from mpm_state.incremental_state order by 1"
            ).fetchall()
        ]
    finally:
        con.close()


# ---- every per-day mart, on the demo generator's four models

DEMO_DAYS = 10
DEMO_START = "2026-10-01"
LAST_DAY = "2026-10-10"  # the day the next night adds
COHORT_DAY = "2026-10-02"  # its d7 follow-up (10-09) gets late events

# What the first night has not seen yet: the last day's predictions (and
# their features), events and every label that arrived on or after it.
FIRST_NIGHT_CUT = [
    f"""create temp table later_predictions as
    select distinct prediction_id from raw.predictions
    where predicted_at >= timestamp '{LAST_DAY} 00:00:00'""",
    f"delete from raw.predictions where predicted_at >= timestamp '{LAST_DAY} 00:00:00'",
    """delete from raw.prediction_features
    where prediction_id in (select prediction_id from later_predictions)
        and prediction_id not in (
            select prediction_id from raw.predictions where prediction_id is not null)""",
    f"delete from raw.labels where labeled_at >= timestamp '{LAST_DAY} 00:00:00'",
    f"delete from raw.events where occurred_at >= timestamp '{LAST_DAY} 00:00:00'",
    "delete from raw.events where event_id = 'cohort-return'",
]

# The next night, besides the last day itself: labels of the first day
# revised for every task (older than the lookback), late events on the day
# before (inside the lookback) that bring back users of an older signup
# cohort, and new predictions that move one user's segment, so their
# first-day events change segment.
DEMO_NEXT_NIGHT = [
    # classification: flipped labels
    f"""insert into raw.labels (prediction_id, actual_value, labeled_at)
    select l.prediction_id, 1 - l.actual_value, timestamp '{LAST_DAY} 23:00:00'
    from raw.labels as l
    inner join raw.predictions as p on l.prediction_id = p.prediction_id
    where p.task_type = 'binary_classification' and l.actual_value in (0, 1)
        and p.predicted_at < timestamp '2026-10-02 00:00:00'
        and hash(l.prediction_id) % 5 = 0""",
    # regression: revised values
    f"""insert into raw.labels (prediction_id, actual_value, labeled_at)
    select l.prediction_id, l.actual_value * 1.25 + 1, timestamp '{LAST_DAY} 23:00:00'
    from raw.labels as l
    inner join raw.predictions as p on l.prediction_id = p.prediction_id
    where p.task_type = 'regression' and l.actual_value is not null
        and p.predicted_at < timestamp '2026-10-02 00:00:00'
        and hash(l.prediction_id) % 4 = 0""",
    # generation: a new reference text
    f"""insert into raw.labels (prediction_id, reference_text, labeled_at)
    select l.prediction_id, 'the customer asked for a refund', timestamp '{LAST_DAY} 23:00:00'
    from raw.labels as l
    inner join raw.predictions as p on l.prediction_id = p.prediction_id
    where p.task_type = 'generation' and l.reference_text is not null
        and p.predicted_at < timestamp '2026-10-02 00:00:00'
        and hash(l.prediction_id) % 3 = 0""",
    # ranking: a late, highly relevant judgment of a served first-day item
    f"""insert into raw.labels (request_id, item_id, actual_value, labeled_at)
    select request_id, item_id, 3, timestamp '{LAST_DAY} 23:00:00'
    from raw.predictions
    where task_type = 'ranking' and predicted_at < timestamp '2026-10-02 00:00:00'
        and rank = 3 and hash(request_id) % 4 = 0""",
    # business: a user of the COHORT_DAY cohort comes back a week later; the
    # first night has not seen that return yet (a late event, see below)
    f"""insert into raw.users (user_id, signed_up_at, acquisition_channel)
    values ('cohort-user', timestamp '{COHORT_DAY} 08:00:00', 'organic')""",
    f"""insert into raw.events (event_id, user_id, session_id, event_type, occurred_at)
    values
        ('cohort-signup', 'cohort-user', 'cohort-session-1', 'session_start',
            timestamp '{COHORT_DAY} 08:00:00'),
        ('cohort-return', 'cohort-user', 'cohort-session-2', 'session_start',
            timestamp '2026-10-09 12:00:00')""",
    # business: one user's segment moves (their old events follow)
    f"""insert into raw.predictions (prediction_id, model_name, model_version, task_type,
        predicted_at, user_id, segment, predicted_value, latency_ms)
    select 'flip-' || i, 'price_estimator', 'v1', 'regression',
        timestamp '{LAST_DAY} 10:00:00' + i * interval 1 minute, mover.user_id, 'moved', 100.0, 12.0
    from range(200) as t(i)
    cross join (
        select min(user_id) as user_id from raw.events
        where occurred_at < timestamp '2026-10-02 00:00:00'
            and request_id is null and user_id is not null
    ) as mover""",
]


@pytest.fixture(scope="module")
def demo_full_data(tmp_path_factory) -> Path:
    """The demo generator's warehouse (all four models) with the next
    night's extra rows, not built."""
    from python_checks.demo import generate_warehouse

    root = tmp_path_factory.mktemp("demo_data")
    warehouse = root / "wh.duckdb"
    generate_warehouse(
        warehouse,
        "healthy",
        days=DEMO_DAYS,
        scale=0.15,
        seed=11,
        start_date=pd.Timestamp(DEMO_START).date(),
    )
    _execute(warehouse, DEMO_NEXT_NIGHT)
    return warehouse


@pytest.fixture(scope="module")
def demo_first_night(demo_full_data, tmp_path_factory) -> Path:
    """The first nine days, built whole."""
    root = tmp_path_factory.mktemp("demo_first")
    warehouse = _copy(demo_full_data, root)
    _execute(warehouse, FIRST_NIGHT_CUT)
    _build(warehouse, root / "artifacts")
    return warehouse


@pytest.fixture(scope="module")
def demo_next_night(demo_full_data, demo_first_night, tmp_path_factory) -> Path:
    """The first night's warehouse with the next night's sources, built
    incrementally."""
    root = tmp_path_factory.mktemp("demo_next")
    warehouse = _copy(demo_first_night, root)
    _execute(
        warehouse,
        [
            f"attach '{demo_full_data}' as full_data (read_only)",
            *[
                f"create or replace table raw.{table} as select * from full_data.raw.{table}"
                for table in (
                    "predictions",
                    "prediction_features",
                    "labels",
                    "events",
                    "items",
                    "users",
                )
            ],
        ],
    )
    _build(warehouse, root / "artifacts")
    return warehouse


def _rows(warehouse: Path, sql: str) -> list:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_demo_night_covers_every_mart_and_the_restated_cases(demo_first_night, demo_next_night):
    for mart, models in {
        "classification_metrics_daily": ["spam_filter"],
        "ranking_metrics_daily": ["home_feed"],
        "ranking_beyond_accuracy_daily": ["home_feed"],
        "regression_metrics_daily": ["price_estimator"],
        "generation_metrics_daily": ["ticket_summarizer"],
    }.items():
        got = _rows(
            demo_next_night,
            f"select distinct model_name from marts.{mart} where metric_date = date '{LAST_DAY}'",
        )
        assert [m for (m,) in got] == models, mart
    # The first day, outside the lookback, was recomputed for its revised
    # labels; the cohort's day was not (only the business layer needs it).
    days = [
        str(d)
        for (d,) in _rows(
            demo_next_night, "select metric_date from staging.stg_mpm__recompute_days order by 1"
        )
    ]
    assert days[0] == DEMO_START and days[-2:] == ["2026-10-09", LAST_DAY]
    assert COHORT_DAY not in days
    # The old cohort's d7 retention changed with the late events ...
    d7 = (
        "select d7_retention from marts.business_metrics_daily where metric_date = "
        f"date '{COHORT_DAY}' and model_name = '__product__' and segment = '__all__'"
    )
    assert _rows(demo_first_night, d7) != _rows(demo_next_night, d7)
    # ... and the moved user's first-day events changed segment.
    moved = _rows(
        demo_next_night,
        "select distinct segment from intermediate.int_events_attributed "
        "where user_id = (select min(user_id) from raw.predictions "
        "where prediction_id like 'flip-%')  and request_segment is null",
    )
    assert moved == [("moved",)]
    # Every ledger day reconciles.
    assert _rows(
        demo_next_night,
        "select count(*) from marts.source_reconciliation_daily "
        "where rows_in <> rows_accepted + rows_quarantined + rows_superseded",
    ) == [(0,)]


def test_demo_incremental_night_equals_full_refresh(demo_full_data, demo_next_night, tmp_path):
    full = _copy(demo_full_data, tmp_path / "full")
    _build(full, tmp_path / "a1", full_refresh=True)
    incremental, refreshed = snapshot(demo_next_night), snapshot(full)
    assert {t for t in incremental if incremental[t] != refreshed[t]} == set()


def test_demo_same_night_twice_is_byte_identical(demo_next_night, tmp_path):
    again = _copy(demo_next_night, tmp_path / "again")
    _build(again, tmp_path / "a1")
    assert snapshot(again) == snapshot(demo_next_night)


def _compiled_test(artifacts: Path, name: str) -> str:
    (path,) = (artifacts / "target" / "compiled").rglob(f"{name}.sql")
    return path.read_text()


def test_night_tests_on_per_prediction_tables_check_the_recomputed_days(first_night, next_night):
    """`where: __recomputed_days__` becomes the night's days; the first build
    (every day recomputed) tests every day of the table."""
    name = "unique_int_predictions_labeled_prediction_id"
    night = _compiled_test(next_night.parent / "artifacts", name)
    assert "__recomputed_days__" not in night
    assert "metric_date >= cast('2026-03-01' as date)" in night
    assert "metric_date >= cast('2026-03-05' as date)" in night
    assert "metric_date <= cast('2026-03-06' as date)" in night
    first = _compiled_test(first_night.parent / "artifacts", name)
    assert "metric_date >= cast('2026-03-01' as date)" in first
    assert "metric_date <= cast('2026-03-05' as date)" in first


def test_batched_backfill_equals_one_full_build(next_night_data, tmp_path):
    """`mpm run --batch-days 2`: the history replayed as nights of two days
    (var as_of) ends exactly where one full build does."""
    batched = _copy(next_night_data, tmp_path / "batched")
    results = dbt.Dbt(DuckDBEngine(batched), tmp_path / "b1", quiet=True).backfill(2, "raw")
    assert [r.message for r in results if r.status != "passed" and r.severity == "error"] == []
    # 2026-03-01 .. 2026-03-06: as of 03-03 and 03-05, then the whole warehouse
    assert dbt.batch_boundaries(date(2026, 3, 1), date(2026, 3, 6), 2) == [
        "2026-03-03",
        "2026-03-05",
        None,
    ]
    full = _copy(next_night_data, tmp_path / "full")
    _build(full, tmp_path / "a1", full_refresh=True)
    assert snapshot(batched) == snapshot(full)


@pytest.mark.slow
def test_demo_batched_backfill_equals_one_full_build(demo_full_data, tmp_path):
    """All four tasks, business retention and drift references: a backfill
    in nights of three days ends where one full build does."""
    batched = _copy(demo_full_data, tmp_path / "batched")
    results = dbt.Dbt(DuckDBEngine(batched), tmp_path / "b1", quiet=True).backfill(3, "raw")
    assert failing_dbt_tests(results) == []
    full = _copy(demo_full_data, tmp_path / "full")
    _build(full, tmp_path / "a1", full_refresh=True)
    got, expected = snapshot(batched), snapshot(full)
    assert {t for t in got if got[t] != expected[t]} == set()
