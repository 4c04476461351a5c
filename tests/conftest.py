"""Shared fixtures: contract-shaped warehouses built from DataFrames (not by
the demo generator, so the SQL is tested on data it was not tuned on), and
helpers that run dbt and the CLI against them."""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from python_checks import paths
from python_checks.declare.contract import SOURCE_TABLES, create_table_sql, optional_tables
from python_checks.warehouse.dbt import DECLARED_RULE_TESTS, Dbt
from python_checks.warehouse.engine import DuckDBEngine

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
# The fixture warehouses are judged by the demo's config unless a test says
# otherwise (mpm init's tests point --config-dir at their own folder).
os.environ[paths.CONFIG_DIR_ENV] = str(paths.DEMO_CONFIG_DIR)


def write_warehouse(path: Path, frames: dict[str, pd.DataFrame], schema: str = "raw") -> Path:
    """Create every contract table in `schema`; fill those given in `frames`.
    The contract's optional tables (model_versions, offline_metrics) are
    created only when `frames` holds them, so a warehouse without them is
    the default.

    Columns missing from a frame are null; the frame's rows are cast to the
    contract's types by DuckDB. In a float64 column NaN means null; to write
    a real NaN or infinity, give the column object dtype and float('nan').
    """
    con = duckdb.connect(str(path))
    try:
        con.execute(f"create schema if not exists {schema}")
        tables = {**SOURCE_TABLES, **{t: c for t, c in optional_tables().items() if t in frames}}
        for table, columns in tables.items():
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


def close_values(a, b, tolerance: float = 1e-9) -> bool:
    """Equal within `tolerance` relative, both null (None or NaN) counting
    as equal: how the engine-equality tests compare a float column."""
    a_null = a is None or (isinstance(a, float) and math.isnan(a))
    b_null = b is None or (isinstance(b, float) and math.isnan(b))
    if a_null or b_null:
        return a_null and b_null
    a, b = float(a), float(b)
    return a == b or abs(a - b) <= tolerance * max(abs(a), abs(b))


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


# A failing night on the classification fixture, shared by the tests of what
# a run hands on (JUnit XML, alerts): one rule breaches (error), one holds,
# one cannot be evaluated.
FAILING_THRESHOLDS = """\
settings: {evaluation_window_days: 30}
rules:
  - {model: fraud_model, metric: precision, model_version: '*', min: 0.99, severity: error,
     min_sample_size: 10, min_label_coverage: 0.5}
  - {model: fraud_model, metric: recall, model_version: '*', min: 0.0, severity: warn,
     min_sample_size: 10, min_label_coverage: 0.5}
  - {model: fraud_model, metric: auc_roc, min: 0.5, severity: warn,
     min_sample_size: 1000000000}
checks:
  reconciliation: {relative_tolerance: 1.0e-9, severity: error}
  served_labels: {severity: error}
  staleness: {max_age_hours: 36, severity: error}
"""


ALERTS = """\
settings:
  report_url: https://ci.example/artifacts/reports
  not_evaluated_nights: 1
destinations:
  - {{name: team-slack, type: slack, url_env: MPM_TEST_SLACK}}
  - {{name: incident-hook, type: webhook, url_env: MPM_TEST_HOOK, events: [breach]}}
  - {{name: oncall-mail, type: email, host: 127.0.0.1, port: {smtp_port},
     from: mpm@example.com, to: [oncall@example.com]}}
  - {{name: down-hook, type: webhook, url_env: MPM_TEST_DOWN}}
  - {{name: refusing-hook, type: webhook, url_env: MPM_TEST_REFUSING}}
  - {{name: unset-hook, type: webhook, url_env: MPM_TEST_UNSET}}
"""


@dataclass
class Night:
    """One failing `mpm run` with --junit-xml and alerts to real local servers."""

    exit_code: int
    out: str
    junit: ET.Element
    posts: list  # (path, JSON body) the HTTP server received
    mails: list  # (recipients, message) the SMTP server received
    run_results: dict
    reports: Path
    warehouse: Path
    thresholds: Path
    alerts: Path


@pytest.fixture(scope="session")
def failing_night(tmp_path_factory) -> Night:
    """The classification fixture with FAILING_THRESHOLDS, run once through the
    CLI: JUnit XML written, alerts sent to an HTTP and an SMTP server on
    127.0.0.1, to a port nothing listens on, to a hook answering 500, and to
    one whose environment variable is unset."""
    from python_checks.cli import main
    from tests.fixtures.classification_data import classification_frames
    from tests.fixtures.servers import free_port, http_server, smtp_server

    root = tmp_path_factory.mktemp("night")
    warehouse = write_warehouse(root / "wh.duckdb", classification_frames(seed=1))
    thresholds = root / "thresholds.yml"
    thresholds.write_text(FAILING_THRESHOLDS)
    junit = root / "out" / "checks.xml"
    with http_server() as (base, posts), smtp_server() as (smtp_port, mails):
        alerts = root / "alerts.yml"
        alerts.write_text(ALERTS.format(smtp_port=smtp_port))
        env = {
            "MPM_TEST_SLACK": f"{base}/slack",
            "MPM_TEST_HOOK": f"{base}/hook",
            "MPM_TEST_DOWN": f"http://127.0.0.1:{free_port()}/down",
            "MPM_TEST_REFUSING": f"{base}/500",
        }
        saved = {k: os.environ.get(k) for k in [*env, "MPM_TEST_UNSET"]}
        os.environ.update(env)
        os.environ.pop("MPM_TEST_UNSET", None)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                code = main(
                    ["run", "--warehouse", str(warehouse), "--thresholds", str(thresholds),
                     "--alerts", str(alerts), "--reports", str(root / "reports"), "--quiet",
                     "--junit-xml", str(junit)]
                )  # fmt: skip
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        posts, mails = list(posts), list(mails)
    return Night(
        exit_code=code,
        out=out.getvalue(),
        junit=ET.parse(junit).getroot(),
        posts=posts,
        mails=mails,
        run_results=json.loads((root / "reports" / "run_results.json").read_text()),
        reports=root / "reports",
        warehouse=warehouse,
        thresholds=thresholds,
        alerts=alerts,
    )
