"""The same models on Apache Spark (dbt-spark, local session) give the same
metrics_daily as on DuckDB, on one small contract-shaped dataset with the
classification edge cases (ties, a one-class day, an all-null-score day,
tiny segments) and the quarantine cases (NaN/±inf, nulls, duplicates,
revised and non-binary labels); and the whole nightly job runs on Spark.

Needs `make install-spark` and Java 17; run with `make test-spark`. One
Spark directory (warehouse + Derby metastore) serves the whole module: the
loader and the timed build run as dbt subprocesses, then this process opens
the session itself, after which dbt runs in this process (one JVM may hold
the metastore).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pandas as pd
import pytest

from python_checks.declare.thresholds import load_thresholds
from python_checks.warehouse.dbt import DECLARED_RULE_TESTS
from tests.conftest import close_values, dbt_build, failing_dbt_tests, query, write_warehouse
from tests.fixtures.classification_data import classification_frames
from tests.fixtures.quarantine_data import quarantine_frames

pytestmark = pytest.mark.spark

KEY = ["metric_date", "model_name", "model_version", "segment", "metric_name", "feature_name"]


def _dataset() -> dict[str, pd.DataFrame]:
    classification = classification_frames(seed=3)
    quarantine = quarantine_frames()
    return {
        table: pd.concat(
            [classification[table].astype(object), quarantine[table].astype(object)],
            ignore_index=True,
        )
        for table in ("predictions", "labels")
    }


@pytest.fixture(scope="module")
def spark_env(tmp_path_factory):
    """MPM_TARGET=spark and one MPM_SPARK_DIR for the module, restored after."""
    root = tmp_path_factory.mktemp("spark")
    saved = {name: os.environ.get(name) for name in ("MPM_TARGET", "MPM_SPARK_DIR")}
    os.environ["MPM_SPARK_DIR"] = str(root / "spark")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    yield root
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module")
def built(spark_env):
    """The dataset built on DuckDB; then exported to Parquet, registered and
    run through the whole nightly job on Spark, in this process."""
    from python_checks import nightly
    from python_checks.warehouse import spark_loader
    from python_checks.warehouse.engine import SparkEngine

    root = spark_env
    warehouse = write_warehouse(root / "wh.duckdb", _dataset())
    os.environ["MPM_TARGET"] = "duckdb"
    duckdb_results = dbt_build(warehouse, root / "duckdb_artifacts")

    os.environ["MPM_TARGET"] = "spark"
    spark_loader.export_parquet(warehouse, root / "parquet")
    started = time.perf_counter()
    engine = SparkEngine()
    session_seconds = time.perf_counter() - started
    spark_loader.register(root / "parquet", root / "loader_artifacts")
    # No DuckDB file on the Spark side: every read of the job (the report's
    # included) goes through the Spark engine.
    outcome = nightly.run(
        nightly.RunOptions(
            warehouse=root / "no-duckdb-on-spark.duckdb", reports=root / "reports", quiet=True
        )
    )
    steps = dict(outcome.steps)
    timing = (
        f"Spark session start {session_seconds:.1f} s; dbt build of the test dataset "
        f"{steps['dbt build']:.1f} s; whole nightly job "
        f"{sum(steps.values()):.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in steps.items())})"
    )
    print("\n" + timing)
    (root / "spark_timing.txt").write_text(timing + "\n")
    return warehouse, duckdb_results, outcome, engine


@pytest.fixture(scope="module")
def engine(built):
    return built[3]


def _failing(results) -> list[str]:
    """Structural dbt test failures: the declared rules' verdicts are the
    rules' business (the fixture breaches some by design)."""
    return failing_dbt_tests([r for r in results if r.check == "dbt_test"])


def test_dbt_build_passes_on_both_engines(built):
    _, duckdb_results, outcome, _ = built
    spark_results = [r for r in outcome.results if r.check == "dbt_test"]
    assert _failing(duckdb_results) == []
    assert _failing(spark_results) == []
    # Every data test ran on Spark too (the generation mart, a dbt Python
    # model, and its tests exist only on DuckDB; `mpm run` leaves the
    # declared rules' two tests to Great Expectations).
    spark_tests = {r.metric for r in spark_results}
    duckdb_tests = {
        r.metric
        for r in duckdb_results
        if "generation" not in r.metric and r.metric not in DECLARED_RULE_TESTS
    }
    assert duckdb_tests <= spark_tests


def test_metrics_daily_equal_on_spark_and_duckdb(built, engine):
    warehouse = built[0]
    duck = query(warehouse, "select * from main.metrics_daily")
    duck["metric_date"] = pd.to_datetime(duck["metric_date"])
    spark = engine.metrics()
    assert len(duck) > 500
    assert list(spark.columns) == list(duck.columns)
    assert not duck.duplicated(KEY).any() and not spark.duplicated(KEY).any()
    merged = duck.merge(spark, on=KEY, how="outer", suffixes=("_duckdb", "_spark"), indicator=True)
    assert merged["_merge"].value_counts().to_dict().get("both") == len(duck) == len(spark)
    differences = [
        (row.metric_date, row.model_name, row.model_version, row.segment, row.metric_name, row)
        for row in merged.itertuples(index=False)
        if not close_values(row.metric_value_duckdb, row.metric_value_spark)
        or row.sample_size_duckdb != row.sample_size_spark
        or row.layer_duckdb != row.layer_spark
    ]
    assert differences == []
    # The edge cases are really in there: undefined values are null on both.
    assert merged["metric_value_spark"].isna().sum() == merged["metric_value_duckdb"].isna().sum()
    assert merged["metric_value_spark"].isna().sum() > 0


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Engine-neutral values: dates and timestamps as ISO text, booleans as
    bool/None, every other number as float64, text as str/None."""
    out = pd.DataFrame(index=frame.index)
    for column in sorted(frame.columns):
        values = frame[column]
        present = values.dropna().tolist()
        if pd.api.types.is_datetime64_any_dtype(values) or (
            present and all(hasattr(v, "year") for v in present)
        ):
            stamps = pd.to_datetime(values)
            out[column] = [None if pd.isna(v) else v.isoformat() for v in stamps]
        elif pd.api.types.is_bool_dtype(values) or (
            present and all(isinstance(v, bool) for v in present)
        ):
            out[column] = [None if pd.isna(v) else bool(v) for v in values]
        elif pd.api.types.is_numeric_dtype(values) or (
            present and all(isinstance(v, int | float) for v in present)
        ):
            out[column] = pd.to_numeric(values).astype("float64")
        else:
            out[column] = [None if pd.isna(v) else str(v) for v in values]
    return out


def test_every_mart_equal_on_spark_and_duckdb(built, engine):
    """Not only the published rows: every mart, row for row."""
    warehouse = built[0]
    tables = query(
        warehouse,
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' order by table_name",
    ).table_name.tolist()
    # dbt-spark runs no Python models: no generation mart on Spark. The
    # verdict marts are compared too: a plain `dbt build` on Spark fails on
    # the same breaches as on DuckDB.
    tables = [t for t in tables if t != "generation_metrics_daily"]
    generation_rules = {
        rule.rule_id for rule in load_thresholds().rules if rule.metric in _generation_metrics()
    }
    assert {"rule_verdicts_daily", "link_verdicts_daily", "drift_fdr_verdicts_daily"} <= set(tables)
    for table in tables:
        duck = _normalise(query(warehouse, f"select * from marts.{table}"))
        spark = _normalise(engine.query(f"select * from marts.{table}"))
        if table == "rule_verdicts_daily":
            # A rule on a generation metric: no row in the window on DuckDB,
            # "not published by any mart" on Spark (no Python models there).
            unpublished = spark["reason"].fillna("").str.match(r"metric \S+ is not published")
            gone = set(spark.loc[unpublished, "rule_id"])
            assert gone <= generation_rules, gone
            duck = duck[~duck.rule_id.isin(gone)].reset_index(drop=True)
            spark = spark[~spark.rule_id.isin(gone)].reset_index(drop=True)
        assert list(duck.columns) == list(spark.columns), table
        assert len(duck) == len(spark), table
        exact = [c for c in duck.columns if duck[c].dtype != "float64"]
        duck, spark = _sorted(duck, exact), _sorted(spark, exact)
        for column in duck.columns:
            pairs = zip(duck[column].tolist(), spark[column].tolist(), strict=True)
            if column in exact:
                assert [(a, b) for a, b in pairs if not _same(a, b)] == [], (table, column)
            else:
                assert [(a, b) for a, b in pairs if not close_values(a, b)] == [], (table, column)


def _generation_metrics() -> set[str]:
    """The metrics generation_metrics_daily publishes (its column meta)."""
    import yaml

    from python_checks import paths

    spec = yaml.safe_load(
        (paths.PROJECT_ROOT / "models/marts/model_quality/_generation__models.yml").read_text()
    )
    (mart,) = [m for m in spec["models"] if m["name"] == "generation_metrics_daily"]
    return {
        (c.get("meta") or c.get("config", {}).get("meta", {})).get("metric_name", c["name"])
        for c in mart["columns"]
        if "metric_layer" in (c.get("meta") or c.get("config", {}).get("meta", {}))
    }


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) if pd.isna(a) or pd.isna(b) else a == b


def _sorted(frame: pd.DataFrame, exact: list[str]) -> pd.DataFrame:
    """Rows in an engine-independent order: by the exact columns, then by the
    floats rounded (floating-point noise must not reorder rows)."""
    keys = pd.DataFrame(
        {
            column: [
                ""
                if v is None or (isinstance(v, float) and math.isnan(v))
                else (f"{v:.6e}" if column not in exact else str(v))
                for v in frame[column]
            ]
            for column in frame.columns
        },
        index=frame.index,
    )
    order = keys.sort_values([*exact, *(c for c in frame.columns if c not in exact)]).index
    return frame.loc[order].reset_index(drop=True)


def test_no_decimal_columns_on_spark(built, engine):
    """A decimal literal (2.0 * x) makes Spark compute in DECIMAL, which
    rounds quotients; every published number must be a double or an integer."""
    decimals = []
    for schema in ("marts", "main"):
        for table in engine.spark.catalog.listTables(schema):
            for column in engine.spark.catalog.listColumns(f"{schema}.{table.name}"):
                if column.dataType.startswith("decimal"):
                    decimals.append(f"{schema}.{table.name}.{column.name} {column.dataType}")
    assert decimals == []


def test_the_session_runs_on_the_declared_master(engine):
    """local[2] in this process, or the standalone cluster of MPM_SPARK_MASTER
    (`make test-spark-cluster`), whose executors are JVMs of their own."""
    context = engine.spark.sparkContext
    master = os.environ.get("MPM_SPARK_MASTER", "local[2]")
    assert context.master == master
    if master.startswith("spark://"):
        # the driver (this process) and one executor on each of the two workers
        assert context._jsc.sc().getExecutorMemoryStatus().size() == 3


def test_nightly_job_runs_on_spark(built):
    """`mpm run` on Spark: preflight, dbt build (in this process, on this
    session), Great Expectations through its Spark datasource, Python checks."""
    _, _, outcome, _ = built
    assert [name for name, _ in outcome.steps] == [
        "preflight",
        "dbt build",
        "great expectations",
        "python checks",
        "report",
    ]
    checks = {r.check for r in outcome.results}
    assert {"dbt_test", "threshold", "reconciliation", "served_labels"} <= checks
    reconciled = [r for r in outcome.results if r.check == "reconciliation"]
    # fraud_model has mature days: SQL on Spark equals sklearn; spam_filter
    # (the quarantine cases) has too few labels to reconcile.
    assert [r.status for r in reconciled if r.model == "fraud_model"] == ["passed"]
    assert not [r.message for r in reconciled if r.status == "breached"]
    evaluated = [r for r in outcome.results if r.check == "threshold" and r.docs_path]
    assert evaluated, "no threshold went through Great Expectations"
    assert outcome.data_docs_index.endswith("index.html")
    assert Path(outcome.data_docs_index).exists()
    # Great Expectations evaluated the rules on Spark (a value it could not
    # read would be "not evaluated" with its exception).
    assert not [r for r in outcome.results if "could not evaluate" in r.message]
    assert outcome.exit_code in (0, 1)


def test_report_reads_everything_through_spark(built):
    """The report's threshold curve and drift verdicts come from the Spark
    marts: no DuckDB file exists on the Spark side of this test."""
    _, _, outcome, _ = built
    assert not [r.message for r in outcome.results if r.check == "report"]
    html = Path(outcome.report_path).read_text()
    assert "fraud_model: threshold curve on" in html


def test_preflight_names_a_missing_column_on_spark(built, engine):
    from python_checks.errors import InputError
    from python_checks.warehouse import preflight

    engine.spark.sql("create schema if not exists broken")
    for table in ("predictions", "prediction_features", "labels", "events", "items", "users"):
        engine.spark.sql(f"create or replace view broken.{table} as select * from raw.{table}")
    engine.spark.sql(
        "create or replace view broken.predictions as "
        "select prediction_id, model_name from raw.predictions"
    )
    with pytest.raises(InputError, match=r"broken\.predictions\.model_version: column missing"):
        preflight.check_sources(engine, "broken")
    assert Path(os.environ["MPM_SPARK_DIR"]).exists()
