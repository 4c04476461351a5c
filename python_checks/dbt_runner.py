"""Run `dbt build` in a subprocess (its own DuckDB connection, released when
it exits) and turn run_results.json into check results: a failing data test
is a breach, a model that cannot build is a usage error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb

from python_checks import engine, paths
from python_checks.errors import UsageError
from python_checks.results import CheckResult, Status
from python_checks.warehouse import forget_incremental_state


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(warehouse: Path, artifacts: Path) -> dict[str, str]:
    if engine.is_spark():
        engine.spark_run_dir()  # absolute, so every process finds the same metastore
    env = dict(os.environ)
    env.update(
        WAREHOUSE_PATH=str(warehouse),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_TARGET_PATH=str(artifacts / "target"),
        DBT_LOG_PATH=str(artifacts / "logs"),
        DBT_PROFILES_DIR=str(paths.PROJECT_ROOT),
        DBT_PROJECT_DIR=str(paths.PROJECT_ROOT),
    )
    return env


def run_dbt(
    args: list[str],
    warehouse: Path,
    artifacts: Path,
    dbt_vars: dict | None = None,
    quiet: bool = False,
) -> subprocess.CompletedProcess:
    """Run one dbt command against the warehouse; artifacts go under `artifacts`."""
    artifacts.mkdir(parents=True, exist_ok=True)
    command = [dbt_executable(), *args]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    return subprocess.run(
        command,
        cwd=paths.PROJECT_ROOT,
        env=dbt_env(warehouse, artifacts),
        text=True,
        capture_output=quiet,
        check=False,
    )


def run_dbt_in_process(
    args: list[str], artifacts: Path, dbt_vars: dict | None = None, quiet: bool = False
) -> subprocess.CompletedProcess:
    """Run one dbt command in this process. On Spark (session method) dbt then
    reuses this process's SparkSession: a second JVM could not open the
    run's Derby metastore while this one holds it."""
    from dbt.cli.main import dbtRunner

    if engine.is_spark():
        engine.spark_run_dir()  # absolute, as the job's own session sees it
    artifacts.mkdir(parents=True, exist_ok=True)
    command = [
        *args,
        "--project-dir",
        str(paths.PROJECT_ROOT),
        "--profiles-dir",
        str(paths.PROJECT_ROOT),
        "--target-path",
        str(artifacts / "target"),
        "--log-path",
        str(artifacts / "logs"),
    ]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    if quiet:
        command = ["--quiet", *command]
    previous = os.getcwd()
    os.chdir(paths.PROJECT_ROOT)
    try:
        result = dbtRunner().invoke(command)
    finally:
        os.chdir(previous)
    message = "" if result.exception is None else str(result.exception).splitlines()[0]
    return subprocess.CompletedProcess(command, 0 if result.success else 1, message, "")


def build(
    warehouse: Path,
    artifacts: Path,
    dbt_vars: dict | None = None,
    full_refresh: bool = False,
    quiet: bool = False,
    in_process: bool = False,
    threads: int | None = None,
) -> list[CheckResult]:
    """`dbt build`; raises UsageError when a model fails, returns test outcomes.

    DuckDB: a subprocess (its own connection, released when it exits).
    Spark (`in_process`): this process, sharing its SparkSession.
    """
    args = ["build"] + (["--full-refresh"] if full_refresh else [])
    if threads is not None:
        args += ["--threads", str(threads)]
    if in_process:
        results_file = artifacts / "target" / "run_results.json"
        results_file.unlink(missing_ok=True)
        completed = run_dbt_in_process(args, artifacts, dbt_vars, quiet=quiet)
    else:
        completed = run_dbt(args, warehouse, artifacts, dbt_vars, quiet=quiet)
    results_file = artifacts / "target" / "run_results.json"
    if not results_file.exists():
        tail = (completed.stdout or "").strip().splitlines()[-1:] if quiet or in_process else []
        raise UsageError(
            "dbt build did not run"
            + (f": {tail[0]}" if tail else f" (exit {completed.returncode})")
        )
    return interpret_run_results(json.loads(results_file.read_text()))


def batch_boundaries(first: date, last: date, batch_days: int) -> list[str | None]:
    """The `as_of` day of each batch of a batched backfill: the day after
    every `batch_days` days from `first`, then None (the whole warehouse,
    which also picks up rows without a timestamp)."""
    if batch_days < 1:
        raise UsageError(f"--batch-days must be at least 1, not {batch_days}")
    bounds: list[str | None] = []
    as_of = first + timedelta(days=batch_days)
    while as_of <= last:
        bounds.append(as_of.isoformat())
        as_of += timedelta(days=batch_days)
    return [*bounds, None]


def history_days(warehouse: Path, schema: str = "raw") -> tuple[date, date] | None:
    """The first and last day with predictions or events (DuckDB)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        first, last = con.execute(
            f"""select min(day), max(day) from (
                select cast(predicted_at as date) as day from {schema}.predictions
                union all
                select cast(occurred_at as date) as day from {schema}.events
            ) as days"""
        ).fetchone()
    finally:
        con.close()
    return None if first is None else (first, last)


def backfill(
    warehouse: Path,
    artifacts: Path,
    batch_days: int,
    dbt_vars: dict | None = None,
    quiet: bool = False,
) -> list[CheckResult]:
    """Build the whole history as a sequence of nights of `batch_days` days
    (var `as_of`: the warehouse as it stood at each batch's end), so every
    id join and window covers a few days and memory stays bounded at any
    size. The first batch is a full refresh; the incremental models make
    the end state equal one full build (tests/test_incremental.py). Returns
    the last batch's test outcomes plus every earlier batch's failures."""
    if engine.is_spark():
        raise UsageError("--batch-days: batched backfills run on DuckDB only")
    schema = str((dbt_vars or {}).get("source_schema", "raw"))
    days = history_days(warehouse, schema)
    bounds = [None] if days is None else batch_boundaries(*days, batch_days)
    # Marks of runs on the whole warehouse would hide the replayed nights' labels.
    forget_incremental_state(warehouse)
    earlier: dict[str, CheckResult] = {}
    results: list[CheckResult] = []
    for index, as_of in enumerate(bounds):
        batch_vars = {**(dbt_vars or {}), "lookback_days": batch_days}
        if as_of is not None:
            batch_vars["as_of"] = as_of
        if not quiet:
            print(f"backfill batch {index + 1}/{len(bounds)}: as of {as_of or 'now'}", flush=True)
        # One model at a time: DuckDB uses every core for it, and concurrent
        # models would share one memory_limit (two drift reference tables
        # at 10M predictions ran out of it together).
        results = build(
            warehouse, artifacts, batch_vars, full_refresh=index == 0, quiet=quiet, threads=1
        )
        for result in results:
            if result.status != Status.PASSED:
                earlier.setdefault(result.message, result)
    final = {result.message for result in results}
    return results + [result for message, result in earlier.items() if message not in final]


def interpret_run_results(run_results: dict) -> list[CheckResult]:
    results: list[CheckResult] = []
    for node in run_results.get("results", []):
        unique_id = node.get("unique_id", "")
        resource = unique_id.split(".")[0]
        status = node.get("status")
        name = unique_id.split(".")[-1] if resource != "test" else unique_id.split(".")[2]
        message = (node.get("message") or "").strip().splitlines()
        first_line = message[0] if message else ""
        if resource in ("model", "seed", "snapshot") and status == "error":
            raise UsageError(f"dbt model {name} failed: {first_line}")
        if resource == "model" and status == "skipped":
            # A failing test upstream stopped it: its metrics are missing
            # tonight, which fails the run rather than passing quietly.
            results.append(
                CheckResult(
                    check="dbt_model",
                    status=Status.BREACHED,
                    severity="error",
                    message=f"dbt model {name} was not built: an upstream test failed",
                    metric=name,
                )
            )
        if resource in ("test", "unit_test"):
            if status == "pass":
                results.append(_test_result(name, Status.PASSED, "error", "passed"))
            elif status in ("fail", "error"):
                results.append(
                    _test_result(name, Status.BREACHED, "error", first_line or status, node)
                )
            elif status == "warn":
                results.append(_test_result(name, Status.BREACHED, "warn", first_line, node))
            elif status == "skipped":
                results.append(
                    _test_result(name, Status.NOT_EVALUATED, "error", "skipped: upstream failed")
                )
    return results


def _test_result(
    name: str, status: Status, severity: str, message: str, node: dict | None = None
) -> CheckResult:
    failures = (node or {}).get("failures")
    return CheckResult(
        check="dbt_test",
        status=status,
        severity=severity,
        message=f"dbt test {name}: {message}",
        metric=name,
        value=float(failures) if failures is not None else None,
    )


def docs_generate(
    warehouse: Path,
    artifacts: Path,
    docs_dir: Path,
    dbt_vars: dict | None = None,
    quiet: bool = False,
) -> Path | None:
    """`dbt docs generate --static` into docs_dir; returns static_index.html.

    The static page embeds the manifest and catalog, so it opens from disk
    (the plain index.html fetches them, which browsers refuse over file://).
    None when dbt could not write it: the docs are a convenience, never a
    reason to fail the night."""
    args = ["docs", "generate", "--static", "--target-path", str(docs_dir)]
    completed = run_dbt(args, warehouse, artifacts, dbt_vars, quiet=quiet)
    index = docs_dir / "static_index.html"
    return index if completed.returncode == 0 and index.exists() else None
