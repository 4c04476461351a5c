"""`mpm run` through Spark Connect: a Spark Connect server on 127.0.0.1
(`.ci/spark-connect`, the server class pyspark's wheel ships) owns the
session, the warehouse directory and the Derby metastore; this process is
only its client (MPM_TARGET=spark_connect, MPM_SPARK_REMOTE=sc://...), with
no JVM of its own. The Spark loader, dbt build (dbt-spark's session method,
whose builder returns the Connect session), Great Expectations' Spark
datasource and the Python checks all go through it.

The data is the demo's precision_drop scenario (a quarter of its rows): the
same night on DuckDB and through Connect must give the same metrics_daily
and the same breaches, and the night fails on spam_filter's precision.

Needs `make install-spark` and Java 17; run with `make test-spark-connect`
(its own process: a process with a local Spark session cannot open a
Connect one). The server is stopped whatever happens.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from python_checks import paths
from tests.conftest import close_values, query

pytestmark = [pytest.mark.spark, pytest.mark.spark_connect]

SCRIPT = paths.PROJECT_ROOT / ".ci" / "spark-connect"
KEY = ["metric_date", "model_name", "model_version", "segment", "metric_name", "feature_name"]
ENV = ("MPM_TARGET", "MPM_SPARK_DIR", "MPM_SPARK_REMOTE", "SPARK_REMOTE")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Spark Connect server on a free 127.0.0.1 port, its warehouse and
    metastore in this module's directory; stopped whatever the tests do."""
    root = tmp_path_factory.mktemp("spark_connect")
    saved = {name: os.environ.get(name) for name in ENV}
    env = {
        **os.environ,
        "MPM_SPARK_DIR": str(root / "server"),
        "MPM_SPARK_CONNECT_DIR": str(root / "connect"),
    }
    started = time.perf_counter()
    try:
        subprocess.run([str(SCRIPT), "start"], env=env, check=True, timeout=300)
        url = (root / "connect" / "remote-url").read_text().strip()
        print(f"\nSpark Connect server at {url} in {time.perf_counter() - started:.1f} s")
        os.environ["MPM_TARGET"] = "spark_connect"
        os.environ["MPM_SPARK_REMOTE"] = url
        # the client's run lock; the server's files are under root/server
        os.environ["MPM_SPARK_DIR"] = str(root / "client")
        yield root, url
    finally:
        try:
            _stop_connect_session()
        finally:
            subprocess.run([str(SCRIPT), "stop"], env=env, check=False, timeout=120)
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _stop_connect_session() -> None:
    """Release this process's Connect session while the server is up: a
    client left open retries its exit-time clean-up against a stopped server
    for minutes (pyspark's connect/client/core.py, `_cleanup_ml_cache`)."""
    from pyspark.sql.connect.session import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()


@pytest.fixture(scope="module")
def nights(server):
    """The precision_drop night on DuckDB, then through Spark Connect."""
    from python_checks import nightly
    from python_checks.demo import generate_warehouse
    from python_checks.warehouse import spark_loader
    from python_checks.warehouse.engine import SparkEngine

    root, _ = server
    warehouse = root / "wh.duckdb"
    generate_warehouse(warehouse, "precision_drop", days=30, seed=7, scale=0.25)

    def night(name: str, target: str):
        os.environ["MPM_TARGET"] = target
        return nightly.run(
            nightly.RunOptions(
                warehouse=warehouse if target == "duckdb" else root / "no-duckdb.duckdb",
                reports=root / name,
                config_dir=paths.DEMO_CONFIG_DIR,
                quiet=True,
            )
        )

    duckdb_night = night("reports_duckdb", "duckdb")
    os.environ["MPM_TARGET"] = "spark_connect"
    spark_loader.export_parquet(warehouse, root / "parquet")
    engine = SparkEngine()
    spark_loader.register(root / "parquet", root / "loader_artifacts", engine=engine)
    connect_night = night("reports_connect", "spark_connect")
    steps = dict(connect_night.steps)
    print(
        f"Spark Connect: dbt build {steps['dbt build']:.1f} s; whole nightly job "
        f"{sum(steps.values()):.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in steps.items())})"
    )
    return warehouse, duckdb_night, connect_night, engine


def test_the_session_is_a_connect_client(server, nights):
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    _, url = server
    engine = nights[3]
    assert isinstance(engine.spark, ConnectSession)
    assert os.environ["SPARK_REMOTE"] == url
    # the server's warehouse, not a local one: the marts are tables there
    assert engine.table_exists("main", "metrics_daily")
    location = engine.query("describe table extended main.metrics_daily")
    where = location.loc[location.col_name == "Location", "data_type"].item()
    assert str(server[0] / "server" / "warehouse") in where


def _generation_metrics(warehouse: Path) -> set[str]:
    """metrics_daily's names from the generation mart, a dbt Python model that
    dbt-spark does not run (README, "What is and is not supported on Spark"),
    lower-cased (the mart's `rougel_f` is metrics_daily's `rougeL_f`)."""
    mart = query(warehouse, "select * from marts.generation_metrics_daily limit 0")
    return {column.lower() for column in mart.columns}


def test_metrics_daily_equal_through_connect_and_on_duckdb(nights):
    warehouse, _, _, engine = nights
    duck = query(warehouse, "select * from main.metrics_daily")
    duck["metric_date"] = pd.to_datetime(duck["metric_date"])
    spark = engine.metrics()
    assert len(spark) > 20000
    assert list(spark.columns) == list(duck.columns)
    merged = duck.merge(spark, on=KEY, how="outer", suffixes=("_duckdb", "_spark"), indicator=True)
    only_duckdb = merged[merged["_merge"] == "left_only"]
    assert (merged["_merge"] == "right_only").sum() == 0
    # the rows missing on Spark are the generation mart's, and only those
    assert set(only_duckdb.model_name) == {"ticket_summarizer"}
    assert {name.lower() for name in only_duckdb.metric_name} <= _generation_metrics(warehouse)
    both = merged[merged["_merge"] == "both"]
    assert len(both) == len(spark)
    differences = [
        tuple(row[:6])
        for row in both.itertuples(index=False)
        if not close_values(row.metric_value_duckdb, row.metric_value_spark)
        or row.sample_size_duckdb != row.sample_size_spark
    ]
    assert differences == []


def _breaches(outcome, generation: set[str]) -> set[tuple[str, str, str, str]]:
    """The night's error breaches but the generation mart's metrics (a dbt
    Python model, not run on Spark). The comparisons of dbt's verdict marts
    with the run's own verdicts (rule_verdicts, link_verdicts,
    drift_fdr_verdicts) are in: they must agree through Connect too."""
    return {
        (r.check, r.model, r.metric, r.message)
        for r in outcome.results
        if r.status == "breached" and r.severity == "error" and r.metric.lower() not in generation
    }


def test_precision_drop_fails_the_night_through_connect(nights):
    warehouse, duckdb_night, connect_night, _ = nights
    assert [name for name, _ in connect_night.steps] == [
        "preflight",
        "dbt build",
        "great expectations",
        "python checks",
        "report",
    ]
    assert duckdb_night.exit_code == connect_night.exit_code == 1
    generation = _generation_metrics(warehouse)
    breaches = _breaches(connect_night, generation)
    # v3 of spam_filter blocks legitimate mail from day 21: Great Expectations
    # (through its Spark datasource) breaches precision, the link check sees
    # false_block tickets rise
    assert {(c, m, k) for c, m, k, _ in breaches} >= {
        ("threshold", "spam_filter", "precision"),
        ("link", "spam_filter", "spam_precision->false_block_tickets"),
    }
    assert len([b for b in breaches if b[:3] == ("threshold", "spam_filter", "precision")]) >= 8
    # and the same breaches, message for message, as the night on DuckDB
    assert breaches == _breaches(duckdb_night, generation)
    # dbt's verdict marts, built through Connect, agree with the night's own.
    agreed = {r.check: r.status for r in connect_night.results if r.check.endswith("_verdicts")}
    assert agreed == dict.fromkeys(
        ("rule_verdicts", "link_verdicts", "drift_fdr_verdicts"), "passed"
    ), [r.message for r in connect_night.results if r.check.endswith("_verdicts")]
    evaluated = [r for r in connect_night.results if r.check == "threshold" and r.docs_path]
    assert evaluated, "no threshold went through Great Expectations"
    assert not [r for r in connect_night.results if "could not evaluate" in r.message]
    assert Path(connect_night.report_path).exists()
