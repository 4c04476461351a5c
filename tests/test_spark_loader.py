"""The Spark plumbing that needs no JVM: the session settings rendered from
profiles.yml, the Parquet export of the contract tables, and the
registration macro (on DuckDB, where it creates views over the files)."""

from __future__ import annotations

import math
import os

import duckdb
import pandas as pd
import pytest

from python_checks.declare.contract import SOURCE_TABLES
from python_checks.warehouse import engine, spark_loader
from tests.conftest import query, write_warehouse
from tests.fixtures.quarantine_data import quarantine_frames


def test_session_settings_come_from_the_profile(monkeypatch, tmp_path):
    monkeypatch.setenv("MPM_SPARK_DIR", str(tmp_path))
    monkeypatch.delenv("MPM_SPARK_MASTER", raising=False)
    params = engine.spark_parameters()
    assert params["spark.master"] == "local[2]"
    assert params["spark.sql.shuffle.partitions"] == "4"
    assert params["spark.sql.session.timeZone"] == "UTC"
    assert params["spark.ui.enabled"] == "false"
    assert params["spark.sql.warehouse.dir"] == f"{tmp_path}/warehouse"
    assert (
        f"databaseName={tmp_path}/metastore_db"
        in params["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )
    assert params["spark.sql.ansi.enabled"] == "false"  # as dbt-spark forces it


def test_a_standalone_master_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MPM_SPARK_DIR", str(tmp_path))
    monkeypatch.setenv("MPM_SPARK_MASTER", "spark://127.0.0.1:7077")
    monkeypatch.setenv("MPM_SPARK_EXECUTOR_MEMORY", "768m")
    params = engine.spark_parameters()
    assert params["spark.master"] == "spark://127.0.0.1:7077"
    assert params["spark.executor.memory"] == "768m"
    assert params["spark.sql.shuffle.partitions"] == "4"


def test_spark_dir_is_made_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPM_SPARK_DIR", "run1")
    assert engine.spark_run_dir() == tmp_path / "run1"
    assert engine.spark_parameters()["spark.sql.warehouse.dir"] == f"{tmp_path}/run1/warehouse"


def test_the_connect_output_sets_no_master(monkeypatch):
    """pyspark refuses spark.master beside a remote (CANNOT_CONFIGURE_SPARK_
    CONNECT_MASTER): the spark_connect output carries runtime SQL settings only."""
    monkeypatch.setenv("MPM_SPARK_MASTER", "spark://127.0.0.1:7077")
    params = engine.spark_parameters("spark_connect")
    assert params == {
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",
    }


@pytest.mark.parametrize("remote", [None, "localhost:15002", "spark://127.0.0.1:7077"])
def test_spark_connect_needs_an_sc_url(monkeypatch, remote):
    from python_checks.errors import UsageError

    monkeypatch.setenv("MPM_TARGET", "spark_connect")
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    if remote is None:
        monkeypatch.delenv("MPM_SPARK_REMOTE", raising=False)
    else:
        monkeypatch.setenv("MPM_SPARK_REMOTE", remote)
    assert isinstance(engine.open_engine(), engine.SparkEngine)
    with pytest.raises(UsageError, match="needs MPM_SPARK_REMOTE=sc://host:port"):
        engine.spark_session()
    assert "SPARK_REMOTE" not in os.environ


def test_spark_columns_follow_the_contract():
    assert spark_loader.spark_columns("items") == (
        "item_id string, category string, created_at timestamp"
    )
    for table in SOURCE_TABLES:
        assert spark_loader.spark_columns(table).count(",") == len(SOURCE_TABLES[table]) - 1


@pytest.fixture
def exported(tmp_path):
    warehouse = write_warehouse(tmp_path / "wh.duckdb", quarantine_frames())
    counts = spark_loader.export_parquet(warehouse, tmp_path / "parquet")
    return warehouse, tmp_path / "parquet", counts


def test_export_keeps_rows_types_and_non_finite_values(exported):
    warehouse, parquet, counts = exported
    assert counts["predictions"] == len(quarantine_frames()["predictions"])
    con = duckdb.connect()
    described = con.execute(
        f"describe select * from read_parquet('{parquet}/predictions/*.parquet')"
    ).fetchall()
    assert [(name, typ) for name, typ, *_ in described] == list(
        SOURCE_TABLES["predictions"].items()
    )
    scores = {
        pid: score
        for pid, score in con.execute(
            f"select prediction_id, score from read_parquet('{parquet}/predictions/*.parquet')"
        ).fetchall()
    }
    assert math.isnan(scores["nan-score"]) and scores["inf-score"] == math.inf
    assert counts["events"] == 0  # empty tables are exported too (Spark needs the folder)


def test_registration_on_duckdb_reads_the_files(exported, tmp_path, monkeypatch):
    _, parquet, counts = exported
    target = tmp_path / "fresh.duckdb"
    duckdb.connect(str(target)).close()
    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    monkeypatch.setenv("MPM_TARGET", "duckdb")
    spark_loader.register(parquet, tmp_path / "artifacts", schema="landing")
    got = query(target, "select count(*) as n from landing.predictions")
    assert got.n.tolist() == [counts["predictions"]]


def test_registration_refuses_a_schema_that_is_not_a_name(tmp_path):
    with pytest.raises(spark_loader.UsageError):
        spark_loader.register(tmp_path, tmp_path / "artifacts", schema="raw; drop")


def test_optional_tables_travel_when_present_and_are_dropped_when_not(tmp_path, monkeypatch):
    """model_versions / offline_metrics are exported and registered with the
    contract's types when the warehouse has them; a later export of a
    warehouse without them leaves no stale files and drops their tables."""
    registry = pd.DataFrame(
        {
            "model_name": ["spam_filter"],
            "model_version": ["v1"],
            "trained_at": [pd.Timestamp("2026-01-01 08:00")],
            "training_data_end": [pd.Timestamp("2025-12-31")],
        }
    )
    offline = pd.DataFrame(
        {
            "model_name": ["spam_filter", "spam_filter"],
            "model_version": ["v1", "v1"],
            "metric_name": ["precision", "recall"],
            "metric_value": [0.91, 0.83],
        }
    )
    with_registry = write_warehouse(
        tmp_path / "with.duckdb",
        {**quarantine_frames(), "model_versions": registry, "offline_metrics": offline},
    )
    parquet = tmp_path / "parquet"
    counts = spark_loader.export_parquet(with_registry, parquet)
    assert counts["model_versions"] == 1 and counts["offline_metrics"] == 2
    assert spark_loader.exported_tables(parquet)[-2:] == ["model_versions", "offline_metrics"]
    assert spark_loader.spark_columns("model_versions") == (
        "model_name string, model_version string, trained_at timestamp, training_data_end timestamp"
    )

    target = tmp_path / "fresh.duckdb"
    duckdb.connect(str(target)).close()
    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    monkeypatch.setenv("MPM_TARGET", "duckdb")
    spark_loader.register(parquet, tmp_path / "artifacts", schema="landing")
    got = query(target, "select metric_value from landing.offline_metrics order by 1")
    assert got.metric_value.tolist() == [0.83, 0.91]

    without = write_warehouse(tmp_path / "without.duckdb", quarantine_frames())
    counts = spark_loader.export_parquet(without, parquet)
    assert "model_versions" not in counts
    assert not list((parquet / "model_versions").glob("*.parquet"))
    spark_loader.register(parquet, tmp_path / "artifacts", schema="landing")
    tables = query(
        target,
        "select table_name from information_schema.tables where table_schema = 'landing'",
    ).table_name.tolist()
    assert "predictions" in tables and "model_versions" not in tables
