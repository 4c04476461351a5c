"""Shared fixtures: contract-shaped warehouses built from DataFrames (not by
the demo generator, so the SQL is tested on data it was not tuned on), and
helpers that run dbt and the CLI against them."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from python_checks.declare.contract import SOURCE_TABLES, create_table_sql
from python_checks.warehouse.dbt import DECLARED_RULE_TESTS, Dbt
from python_checks.warehouse.engine import DuckDBEngine

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


def write_warehouse(path: Path, frames: dict[str, pd.DataFrame], schema: str = "raw") -> Path:
    """Create every contract table in `schema`; fill those given in `frames`.

    Columns missing from a frame are null; the frame's rows are cast to the
    contract's types by DuckDB. In a float64 column NaN means null; to write
    a real NaN or infinity, give the column object dtype and float('nan').
    """
    con = duckdb.connect(str(path))
    try:
        con.execute(f"create schema if not exists {schema}")
        for table, columns in SOURCE_TABLES.items():
            con.execute(create_table_sql(schema, table))
            frame = frames.get(table)
            if frame is None or frame.empty:
                continue
            frame = frame.copy()
            for column in columns:
                if column not in frame:
                    frame[column] = None
            for column, typ in columns.items():
                if typ == "DOUBLE" and frame[column].dtype == object:
                    # Through text so NaN and ±inf survive (DuckDB reads a
                    # pandas NaN as null).
                    frame[column] = [None if v is None else repr(float(v)) for v in frame[column]]
            con.register("incoming", frame[list(columns)])
            casts = ", ".join(f"cast({c} as {t})" for c, t in columns.items())
            con.execute(f"insert into {schema}.{table} select {casts} from incoming")
            con.unregister("incoming")
    finally:
        con.close()
    return path


def dbt_build(warehouse: Path, artifacts: Path, dbt_vars: dict | None = None) -> list:
    """Run `dbt build` quietly; fail the test with dbt's output if a model breaks."""
    return Dbt(DuckDBEngine(warehouse), artifacts, dbt_vars, quiet=True).build()


# The data tests that judge the declared rules (rule_verdicts_daily): a
# fixture built to exercise a metric may well breach a demo threshold, which
# is those tests' job to report; the other data tests must hold on any input.


def failing_dbt_tests(results: list) -> list[str]:
    """Error-severity dbt outcomes that are not a declared rule's verdict."""
    return [
        r.message
        for r in results
        if r.status != "passed"
        and r.severity == "error"
        and not any(f"dbt test {name}:" in r.message for name in DECLARED_RULE_TESTS)
    ]


def query(warehouse: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


@pytest.fixture
def tmp_reports(tmp_path: Path) -> Path:
    path = tmp_path / "reports"
    path.mkdir()
    return path


@contextlib.contextmanager
def shared_build_dir(tmp_path_factory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder shared by every xdist worker of this session, held under a
    lock: (folder, already_built). The first worker builds, the others wait
    and reuse it, so an expensive module fixture runs once per session."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's basetemp is a child of the session's folder.
    session = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = session / f"shared-{name}"
    root.mkdir(exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = root / ".built"
            yield root, done.exists()
            done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
