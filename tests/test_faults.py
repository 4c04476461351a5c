"""Shape, fault, concurrency and configuration-injection cases of the
bad-input matrix (issue 9): each ends in exit 2 with one line naming what is
wrong (no stack trace), or runs to completion with nothing lost."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from python_checks.cli import main
from python_checks.declare import dbt_vars
from python_checks.errors import ConfigError
from python_checks.warehouse import dbt, preflight
from python_checks.warehouse.engine import DuckDBEngine
from tests.conftest import dbt_build, query, write_warehouse
from tests.fixtures.classification_data import classification_frames

HOSTILE = "x'; drop table raw.predictions; --"


@pytest.fixture
def warehouse(tmp_path):
    return write_warehouse(tmp_path / "wh.duckdb", classification_frames(seed=3))


def _run(capsys, warehouse: Path, *extra: str) -> tuple[int, str, str]:
    reports = warehouse.parent / "reports"
    code = main(
        ["run", "--warehouse", str(warehouse), "--reports", str(reports), "--quiet", *extra]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one line, never a stack trace
    return lines[0]


def _predictions_count(warehouse: Path) -> int:
    return int(query(warehouse, "select count(*) as n from raw.predictions").n[0])


# ---- shape: (case, DDL applied to a valid warehouse, the one line on stderr)
SHAPE_CASES = [
    ("missing_table", "drop table raw.items", "mpm: input error: raw.items: table not found"),
    (
        "missing_column",
        "alter table raw.users drop column signed_up_at",
        "mpm: input error: raw.users.signed_up_at: column missing",
    ),
    (
        "timestamp_as_text",
        "alter table raw.events alter occurred_at type varchar",
        "mpm: input error: raw.events.occurred_at: type VARCHAR cannot be read as TIMESTAMP",
    ),
    (
        "number_as_boolean",
        "alter table raw.labels alter actual_value type boolean",
        "mpm: input error: raw.labels.actual_value: type BOOLEAN cannot be read as DOUBLE",
    ),
    (
        "feature_value_as_text",
        "alter table raw.prediction_features alter numeric_value type varchar",
        "mpm: input error: raw.prediction_features.numeric_value: "
        "type VARCHAR cannot be read as DOUBLE",
    ),
]


@pytest.mark.parametrize("case, ddl, line", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_shape_error_exits_2_with_one_line(capsys, warehouse, case, ddl, line):
    con = duckdb.connect(str(warehouse))
    con.execute(ddl)
    con.close()
    code, _, err = _run(capsys, warehouse)
    assert (code, _one_line(err)) == (2, line)


def test_extra_column_is_allowed_and_reported(warehouse):
    con = duckdb.connect(str(warehouse))
    con.execute("alter table raw.predictions add column debug_blob varchar")
    con.execute("alter table raw.events add column ab_bucket integer")
    con.close()
    engine = DuckDBEngine(warehouse)
    try:
        report = preflight.check_sources(engine, "raw")
    finally:
        engine.close()
    assert report.extra_columns == {"events": ["ab_bucket"], "predictions": ["debug_blob"]}
    assert report.row_counts["predictions"] == _predictions_count(warehouse)


def test_renamed_source_schema_with_empty_tables_runs_and_reconciles(tmp_path, capsys):
    """Sources in schema `landing` (the dbt var), every table empty: exit 0,
    a zero ledger and an empty metrics_daily, nothing invented."""
    warehouse = write_warehouse(tmp_path / "wh.duckdb", {}, schema="landing")
    code, _, err = _run(capsys, warehouse)
    assert (code, _one_line(err)) == (2, "mpm: input error: raw.predictions: table not found")
    code, out, err = _run(capsys, warehouse, "--source-schema", "landing")
    assert code == 0, out + err
    ledger = query(warehouse, "select * from marts.source_reconciliation order by source_table")
    assert ledger.source_table.tolist() == [
        "events",
        "labels",
        "prediction_features",
        "predictions",
    ]
    assert (ledger[["rows_in", "rows_accepted", "rows_quarantined", "rows_superseded"]] == 0).all(
        axis=None
    )
    assert query(warehouse, "select count(*) as n from metrics_daily").n[0] == 0
    assert "staleness: no accepted prediction in the warehouse" in out


# ---- faults


def _hold(code: str) -> subprocess.Popen:
    """A subprocess that prints `ready` once it holds something, then sleeps."""
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert holder.stdout.readline().strip() == "ready"
    return holder


def test_warehouse_locked_by_another_process_exits_2(capsys, warehouse):
    holder = _hold(
        "import duckdb, time\n"
        f"con = duckdb.connect({str(warehouse)!r})\n"
        "print('ready', flush=True)\n"
        "time.sleep(120)\n"
    )
    try:
        code, _, err = _run(capsys, warehouse)
    finally:
        holder.kill()
        holder.wait()
    line = _one_line(err)
    assert code == 2
    assert line.startswith(
        f"mpm: warehouse {warehouse} is locked by another process: "
        f'IO Error: Could not set lock on file "{warehouse}": Conflicting lock is held in '
    )
    assert f"(PID {holder.pid})" in line


def test_second_run_refuses_while_one_holds_the_run_lock(capsys, warehouse):
    holder = _hold(
        "import time\n"
        "from pathlib import Path\n"
        "from python_checks.warehouse.files import exclusive_run\n"
        f"with exclusive_run(Path({str(warehouse)!r})):\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(120)\n"
    )
    try:
        code, _, err = _run(capsys, warehouse)
        lock = warehouse.with_name(warehouse.name + ".mpm.lock")
        assert lock.read_text().strip() == str(holder.pid)  # the holder's lock is untouched
    finally:
        holder.kill()
        holder.wait()
    assert (code, _one_line(err)) == (
        2,
        f"mpm: another run is already using {warehouse} (lock {lock}); wait for it to finish",
    )
    # The refused run wrote nothing: no mart exists, the sources are intact.
    assert (
        query(
            warehouse,
            "select count(*) as n from information_schema.tables where table_schema <> 'raw'",
        ).n[0]
        == 0
    )
    assert _predictions_count(warehouse) == len(classification_frames(seed=3)["predictions"])


def test_read_only_warehouse_exits_2(capsys, warehouse):
    warehouse.chmod(0o444)
    try:
        code, _, err = _run(capsys, warehouse)
    finally:
        warehouse.chmod(0o644)
    assert (code, _one_line(err)) == (
        2,
        f"mpm: warehouse {warehouse} is read-only: the run writes its marts into it "
        "(make the file writable)",
    )


def test_unwritable_folder_exits_2(capsys, warehouse):
    folder = warehouse.parent
    folder.chmod(0o555)
    try:
        code, _, err = _run(capsys, warehouse)
    finally:
        folder.chmod(0o755)
    assert (code, _one_line(err)) == (
        2,
        f"mpm: cannot write in {folder}: DuckDB keeps the warehouse's write-ahead log "
        "there (make the folder writable)",
    )


def test_disk_full_while_building_exits_2(warehouse):
    """The file-size limit makes every write past 64 KB fail the way a full
    disk does: dbt cannot write its artifacts, and the run says so in one line."""

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("mpm")),
            "run",
            "--warehouse",
            str(warehouse),
            "--reports",
            str(warehouse.parent / "reports"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        preexec_fn=limit_file_size,
        timeout=600,
    )
    assert (completed.returncode, _one_line(completed.stderr)) == (
        2,
        "mpm: dbt build's results could not be written: File too large",
    )
    assert _predictions_count(warehouse) == len(classification_frames(seed=3)["predictions"])


def test_disk_full_while_writing_reports_exits_2(monkeypatch, capsys, warehouse):
    from python_checks import nightly

    def full(options):
        raise OSError(errno.ENOSPC, "No space left on device", "/reports/data_docs/index.html")

    monkeypatch.setattr(nightly, "run", full)
    code, _, err = _run(capsys, warehouse)
    assert (code, _one_line(err)) == (
        2,
        "mpm: I/O error on /reports/data_docs/index.html: No space left on device",
    )


# ---- configuration values that reach SQL: validated before anything runs


@pytest.mark.parametrize(
    "rule, line",
    [
        (
            f'{{model: spam_filter, metric: precision, segment: "{HOSTILE}", min: 0.5}}',
            f"rule 1 (spam_filter precision): segment {HOSTILE!r} is not a plain name "
            "(letters, digits, _ . : -)",
        ),
        (
            f'{{model: spam_filter, metric: precision, model_version: "{HOSTILE}", min: 0.5}}',
            f"rule 1 (spam_filter precision): model_version {HOSTILE!r} is not a plain name "
            "(letters, digits, _ . : -)",
        ),
        (
            '{model: spam_filter, metric: precision, feature: "<script>", min: 0.5}',
            "rule 1 (spam_filter precision): feature '<script>' is not a plain name "
            "(letters, digits, _ . : -)",
        ),
    ],
    ids=["segment", "model_version", "feature"],
)
def test_hostile_threshold_values_exit_2_and_run_nothing(tmp_path, capsys, warehouse, rule, line):
    thresholds = tmp_path / "t.yml"
    thresholds.write_text(f"rules:\n  - {rule}\n")
    code, _, err = _run(capsys, warehouse, "--thresholds", str(thresholds))
    assert (code, _one_line(err)) == (2, f"mpm: configuration error: {thresholds}: {line}")
    assert _predictions_count(warehouse) == len(classification_frames(seed=3)["predictions"])


@pytest.mark.parametrize(
    "name, value, want",
    [
        ("source_schema", "raw; drop table raw.predictions", "a plain schema name"),
        (
            "earliest_valid_timestamp",
            "1970-01-01'; drop table raw.predictions; --",
            "a date YYYY-MM-DD",
        ),
        ("max_future_days", "1) or (1=1", "a whole number >= 0"),
        ("threshold_grid_step", float("nan"), "a finite number"),
        ("ece_bins", True, "a whole number >= 0"),
    ],
)
def test_hostile_dbt_vars_are_configuration_errors(name, value, want):
    values = dbt_vars.read_vars() | {name: value}
    with pytest.raises(ConfigError) as raised:
        dbt_vars.validate_dbt_vars(values)
    assert str(raised.value) == (
        f"configuration error: dbt_project.yml vars: {name} must be {want}, got {value!r}"
    )


def test_project_dbt_vars_are_valid():
    dbt_vars.validate_dbt_vars(dbt_vars.read_vars())


def test_hostile_var_stops_the_run_before_dbt(monkeypatch, capsys, warehouse):
    hostile = dbt_vars.read_vars() | {"earliest_valid_timestamp": HOSTILE}
    monkeypatch.setattr(dbt_vars, "read_vars", lambda path=None: hostile)
    code, _, err = _run(capsys, warehouse)
    assert (code, _one_line(err)) == (
        2,
        "mpm: configuration error: dbt_project.yml vars: earliest_valid_timestamp must be "
        f"a date YYYY-MM-DD, got {HOSTILE!r}",
    )
    assert not (warehouse.parent / "reports" / "dbt").exists()


# ---- slow: a real kill mid-build, and two real runs racing


def _metrics(warehouse: Path) -> pd.DataFrame:
    return query(
        warehouse,
        "select * from metrics_daily order by metric_date, model_name, model_version, "
        "segment, metric_name, feature_name",
    )


@pytest.mark.slow
def test_build_killed_midway_then_rerun_equals_an_uninterrupted_build(tmp_path, warehouse):
    reference = tmp_path / "reference.duckdb"
    shutil.copy(warehouse, reference)
    dbt_build(reference, tmp_path / "ref-artifacts")
    killed = subprocess.Popen(
        dbt.cli_command(["build"]),
        cwd=Path(__file__).resolve().parent.parent,
        env=dbt.cli_environment(DuckDBEngine(warehouse), tmp_path / "killed"),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    # Kill it as soon as the first model has been written.
    for line in killed.stdout:
        if " OK created " in line:
            break
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    assert killed.returncode == -signal.SIGKILL
    dbt_build(warehouse, tmp_path / "rerun")
    pd.testing.assert_frame_equal(_metrics(warehouse), _metrics(reference))


@pytest.mark.slow
def test_two_runs_at_once_one_refuses_the_other_completes(tmp_path, warehouse):
    def start(name):
        return subprocess.Popen(
            [
                str(Path(sys.executable).with_name("mpm")),
                "run",
                "--warehouse",
                str(warehouse),
                "--reports",
                str(tmp_path / name),
                "--quiet",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    first = start("first")
    lock = warehouse.with_name(warehouse.name + ".mpm.lock")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        lock.exists() and lock.read_text().strip() == str(first.pid)
    ):
        time.sleep(0.05)
    second = start("second")
    second_out, second_err = second.communicate(timeout=120)
    first_out, first_err = first.communicate(timeout=600)
    assert second.returncode == 2
    assert second_err.strip() == (
        f"mpm: another run is already using {warehouse} (lock {lock}); wait for it to finish"
    )
    assert first.returncode == 0, first_out + first_err
    # No corruption: a third run on the same file gives the same metrics.
    before = _metrics(warehouse)
    dbt_build(warehouse, tmp_path / "third")
    pd.testing.assert_frame_equal(_metrics(warehouse), before)


# ---- names from the data that Great Expectations turns into file names


def _with_models(frames: dict, names: list[str]) -> dict:
    """The frames plus a copy of the first 300 predictions under each name."""
    base = frames["predictions"].head(300)
    copies = [
        base.assign(model_name=name, prediction_id=base.prediction_id + f"-{index}")
        for index, name in enumerate(names)
    ]
    return {**frames, "predictions": pd.concat([frames["predictions"], *copies])}


def test_model_names_that_look_alike_get_a_suite_each(tmp_path, capsys):
    """`fraud model`, `fraud"model` and `fraud_model` are three models: three
    suites and three Data Docs pages, never a collision (or a traceback)."""
    names = ["fraud model", 'fraud"model']
    warehouse = write_warehouse(
        tmp_path / "wh.duckdb", _with_models(classification_frames(seed=3), names)
    )
    code, _, err = _run(capsys, warehouse)
    assert code in (0, 1) and err.strip() == ""
    results = json.loads((tmp_path / "reports" / "run_results.json").read_text())["results"]
    pages = {
        r["model"]: r["docs_path"] for r in results if r["check"] == "threshold" and r["docs_path"]
    }
    assert {"fraud_model", *names} <= set(pages)
    assert len({pages[m] for m in ("fraud_model", *names)}) == 3
    assert all(Path(pages[m]).exists() for m in ("fraud_model", *names))


def test_a_very_long_model_name_gets_its_data_docs_page(tmp_path, capsys):
    long_name = "m" * 5000
    warehouse = write_warehouse(
        tmp_path / "wh.duckdb", _with_models(classification_frames(seed=3), [long_name])
    )
    code, _, err = _run(capsys, warehouse)
    assert code in (0, 1) and err.strip() == ""
    results = json.loads((tmp_path / "reports" / "run_results.json").read_text())["results"]
    page = next(r["docs_path"] for r in results if r["model"] == long_name and r["docs_path"])
    assert Path(page).exists() and len(Path(page).name) < 200


def test_suite_tokens_are_plain_short_and_injective():
    from python_checks.checks.thresholds import suite_token

    assert suite_token("spam_filter") == "spam_filter"
    names = ["spam filter", "spam_filter", 'spam"filter', "spam\nfilter", "s" * 5000, "s" * 5001]
    tokens = [suite_token(name) for name in names]
    assert len(set(tokens)) == len(names)
    assert all(len(token) <= 100 for token in tokens)
    assert all(set(token) <= set("abcdefghijklmnopqrstuvwxyz0123456789_-.") for token in tokens)
    assert suite_token("spam filter") == suite_token("spam filter")


# ---- input that cannot be read is exit 2 with the engine's reason, never a breach


def test_a_source_view_over_a_missing_file_exits_2(tmp_path, capsys, warehouse):
    items = tmp_path / "items.parquet"
    con = duckdb.connect(str(warehouse))
    con.execute(f"copy raw.items to '{items}' (format parquet)")
    con.execute("drop table raw.items")
    con.execute(f"create view raw.items as select * from read_parquet('{items}')")
    con.close()
    items.unlink()
    code, _, err = _run(capsys, warehouse)
    line = _one_line(err)
    assert code == 2
    assert line.startswith("mpm: input error: raw.items: cannot be read: IOException: ")
    assert "items.parquet" in line


def test_a_truncated_warehouse_exits_2_with_the_engine_reason(tmp_path, capsys, warehouse):
    assert _run(capsys, warehouse)[0] in (0, 1)  # built once, then damaged
    size = warehouse.stat().st_size
    with open(warehouse, "r+b") as damaged:
        damaged.truncate(size // 2)
    code, _, err = _run(capsys, warehouse)
    line = _one_line(err)
    assert code == 2 and "Could not read enough bytes" in line, line


def test_a_dbt_test_that_cannot_run_is_a_usage_error_not_a_breach():
    from python_checks.errors import UsageError
    from python_checks.warehouse.dbt import interpret_run_results

    broken = {
        "results": [
            {
                "unique_id": "test.ml_product_metrics.not_null_x.abc",
                "status": "error",
                "message": "Runtime Error\n  IO Error: Could not read enough bytes",
            }
        ]
    }
    with pytest.raises(UsageError, match="dbt test not_null_x could not run: Runtime Error"):
        interpret_run_results(broken)


def test_a_rank_beyond_the_contract_is_quarantined_and_the_night_goes_on(capsys, warehouse):
    """A source typed BIGINT (the preflight accepts it for an integer) may
    hold a rank no INTEGER can: that row is quarantined, the night runs."""
    con = duckdb.connect(str(warehouse))
    con.execute("alter table raw.predictions alter rank type bigint")
    con.execute(
        "insert into raw.predictions (prediction_id, model_name, model_version, task_type, "
        "predicted_at, request_id, item_id, rank, score) "
        "select 'p-huge-rank', 'feed', 'v1', 'ranking', max(predicted_at), 'r-1', 'i-1', "
        "3000000000, 0.5 from raw.predictions"
    )
    con.close()
    code, _, err = _run(capsys, warehouse)
    assert code in (0, 1) and err.strip() == "", err
    quarantined = query(
        warehouse,
        "select quarantine_reason, rank from marts.quarantine_predictions "
        "where prediction_id = 'p-huge-rank'",
    )
    assert quarantined.to_dict("records") == [
        {"quarantine_reason": "rank_out_of_range", "rank": 3000000000}
    ]
