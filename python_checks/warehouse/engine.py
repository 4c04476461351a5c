"""The warehouse a run reads and writes, behind one interface: DuckDB (the
file named by WAREHOUSE_PATH) or Apache Spark (MPM_TARGET=spark; locally a
session whose warehouse and Derby metastore live under MPM_SPARK_DIR; or
MPM_TARGET=spark_connect, a client of the Spark Connect server at
MPM_SPARK_REMOTE, which owns the warehouse and the metastore).

An `Engine` owns everything that differs between the two: the connection
(opened when first read, released while dbt writes), the run lock, every
read the job makes (the preflight's catalog, `metrics_daily`, the marts the
checks and the report query), the environment dbt's profile renders, and
the data Great Expectations validates. Nothing outside this module asks
which engine it is.

dbt runs in this process on both engines (warehouse/dbt.py): on Spark it
reuses this process's SparkSession (the embedded Derby metastore admits one
JVM); on DuckDB the engine closes its own connection before dbt writes and
closes dbt-duckdb's after, so the file is free for the next reader.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from python_checks import paths
from python_checks.errors import UsageError
from python_checks.warehouse import files

PROFILE = "ml_product_metrics"
PROFILES_FILE = paths.PROJECT_ROOT / "profiles.yml"
CURVE_MART = "marts.classification_threshold_curve"
CLASSIFICATION_MART = "marts.classification_metrics_daily"
DRIFT_VERDICT_MART = "marts.drift_verdict_daily"
RULE_VERDICTS_MART = "marts.rule_verdicts_daily"
LINK_VERDICTS_MART = "marts.link_verdicts_daily"
DRIFT_FDR_VERDICTS_MART = "marts.drift_fdr_verdicts_daily"
METRICS = "main.metrics_daily"
BACKTEST_ALARMS = "main.backtest_alarms_daily"  # written by `mpm backtest` (backtest.py)

# Spark's type names as the contract's (DuckDB) type names, for the preflight.
_SPARK_TO_CONTRACT = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "double": "DOUBLE",
    "float": "FLOAT",
    "decimal": "DECIMAL",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
}


# The outputs of profiles.yml that run on Spark (dbt-spark, session method).
SPARK_TARGETS = ("spark", "spark_connect")


def target_name() -> str:
    """The dbt target of this run: MPM_TARGET, default duckdb."""
    return os.environ.get("MPM_TARGET", "duckdb")


class Engine:
    """What the nightly job needs from a warehouse."""

    target = ""

    # ---- lifecycle
    def check_writable(self) -> None:
        """Refuse up front, in one line, when the run could not write its marts."""

    @contextlib.contextmanager
    def run_lock(self) -> Iterator[None]:
        """One run at a time per warehouse; a second run is refused at once."""
        yield

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around every dbt invocation: what dbt writes, it writes alone."""
        yield

    def dbt_environment(self) -> dict[str, str]:
        """Environment variables dbt's profile (profiles.yml) renders."""
        return {}

    @property
    def database(self) -> str:
        """The database dbt addresses relations in ('' where there is none)."""
        return ""

    def close(self) -> None:
        pass

    # ---- reads
    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def table_exists(self, schema: str, table: str) -> bool:
        raise NotImplementedError

    def source_columns(self, schema: str) -> dict[str, dict[str, str]]:
        """{table: {column: contract type name}} of every table in `schema`."""
        raise NotImplementedError

    def metrics(self) -> pd.DataFrame:
        """All of metrics_daily: one row per metric per day, small by design,
        with the same dtypes whichever engine built it."""
        frame = self.query(
            f"select * from {METRICS} "
            "order by metric_date, model_name, model_version, segment, metric_name, feature_name"
        )
        frame["metric_date"] = pd.to_datetime(frame["metric_date"])
        frame["metric_value"] = frame["metric_value"].astype("float64")
        return frame

    def threshold_curve(self, min_label_coverage: float) -> pd.DataFrame:
        """Per classification model and version, the threshold curve of its
        latest day whose labels are mature (label_coverage at or above the
        declared minimum; the latest day with any labels when none is), with
        that day's serving threshold. Empty when the marts do not exist."""
        if not (
            self.table_exists(*CURVE_MART.split("."))
            and self.table_exists(*CLASSIFICATION_MART.split("."))
        ):
            return pd.DataFrame()
        return self.query(
            f"""
            with days as (
                select
                    model_name,
                    metric_date,
                    row_number() over (
                        partition by model_name
                        order by
                            case when coalesce(label_coverage, 0) >= ? then 1 else 0 end desc,
                            metric_date desc
                    ) as pick
                from {CLASSIFICATION_MART}
                where model_version = '__all__' and segment = '__all__' and n_labeled > 0
            )
            select
                c.model_name,
                c.model_version,
                cast(c.metric_date as string) as metric_date,
                c.threshold,
                c.precision,
                c.recall,
                c.f1,
                c.expected_cost,
                c.is_cost_optimal,
                m.serving_threshold
            from {CURVE_MART} as c
            inner join days as d
                on c.model_name = d.model_name and c.metric_date = d.metric_date and d.pick = 1
            left join {CLASSIFICATION_MART} as m
                on
                    c.model_name = m.model_name
                    and c.metric_date = m.metric_date
                    and c.model_version = m.model_version
                    and c.segment = m.segment
            where c.segment = '__all__'
            order by c.model_name, c.model_version, c.threshold
            """,
            [min_label_coverage],
        )

    def drift_verdicts(self) -> pd.DataFrame:
        """drift_verdict_daily at the model rollup, as the mart decided it
        (the report draws it; nothing recomputes it). Empty without the mart."""
        if not self.table_exists(*DRIFT_VERDICT_MART.split(".")):
            return pd.DataFrame()
        return self.query(
            "select cast(metric_date as string) as metric_date, model_name, drift_verdict, "
            "drifted_feature, data_drift_detected, concept_drift_detected, "
            f"label_drift_detected from {DRIFT_VERDICT_MART} "
            "where model_version = '__all__' and segment = '__all__' "
            "order by model_name, metric_date"
        )

    def rule_verdicts(self) -> pd.DataFrame | None:
        """rule_verdicts_daily (the declared rules judged in SQL, what a plain
        `dbt build` fails on): one row per rule x slice x day with its
        verdict. None without the mart."""
        return self.verdicts(RULE_VERDICTS_MART)

    def link_verdicts(self) -> pd.DataFrame | None:
        """link_verdicts_daily (the declared links and guardrails judged in
        SQL): one row per pair x day with its verdict. None without the mart."""
        return self.verdicts(LINK_VERDICTS_MART)

    def drift_fdr_verdicts(self) -> pd.DataFrame | None:
        """drift_fdr_verdicts_daily (the window's KS tests under
        Benjamini-Hochberg, in SQL). None without the mart."""
        return self.verdicts(DRIFT_FDR_VERDICTS_MART)

    def verdicts(self, mart: str) -> pd.DataFrame | None:
        """A verdict mart's judged rows (the leading columns they share)."""
        if not self.table_exists(*mart.split(".")):
            return None
        return self.query(
            "select rule_id, model_name, model_version, segment, metric_name, feature_name, "
            "cast(metric_date as string) as metric_date, verdict, severity, reason "
            f"from {mart}"
        )

    def backtest_alarms(self) -> pd.DataFrame:
        """The last `mpm backtest`'s per-night alarm table, as it wrote it
        (the report marks its alarm days). Empty when no backtest ran."""
        if not self.table_exists(*BACKTEST_ALARMS.split(".")):
            return pd.DataFrame()
        return self.query(
            "select cast(metric_date as string) as metric_date, rule_id, model_name, "
            "metric_name, severity, status, worst_value, bound "
            f"from {BACKTEST_ALARMS} order by rule_id, model_name, metric_date"
        )

    def history_days(self, schema: str) -> tuple[Any, Any] | None:
        """The first and last day with predictions or events."""
        frame = self.query(
            f"""select min(day) as first_day, max(day) as last_day from (
                select cast(predicted_at as date) as day from {schema}.predictions
                union all
                select cast(occurred_at as date) as day from {schema}.events
            ) as days"""
        )
        first, last = frame.iloc[0]
        if pd.isna(first):
            return None
        return pd.Timestamp(first).date(), pd.Timestamp(last).date()

    # ---- writes outside dbt
    def forget_incremental_state(self) -> None:
        """Drop the labels high-water mark, so the next incremental run
        recomputes every day with data (macros/incremental/): after the
        sources were replaced whole, or before a backfill replays the history."""
        raise NotImplementedError

    # ---- Great Expectations
    # Whether the frames GE validates can be handed to another process.
    ge_frames_portable = False

    def add_ge_datasource(self, context: Any, name: str) -> Any:
        """The GE datasource that validates this engine's frames."""
        raise NotImplementedError

    def ge_row_condition(self, column: str, value: str) -> tuple[str, str]:
        """(condition_parser, row_condition) selecting rows where column == value."""
        raise NotImplementedError

    def ge_frame(self, frame: pd.DataFrame) -> Any:
        """The rows to validate in the form the datasource reads."""
        return frame

    def write_table(self, schema: str, table: str, frame: pd.DataFrame) -> None:
        """Replace `schema.table` with a small frame (mpm's own results,
        e.g. the backtest's alarm table)."""
        raise NotImplementedError


class DuckDBEngine(Engine):
    """The DuckDB file named by WAREHOUSE_PATH (GE validates its frames
    through the pandas datasource: GE's SQL datasource over duckdb-engine
    returns empty results)."""

    target = "duckdb"
    ge_frames_portable = True

    def __init__(self, warehouse: Path):
        self.warehouse = warehouse
        self._con = None

    @property
    def con(self):
        if self._con is None:
            self._con = files.connect(self.warehouse, read_only=True)
        return self._con

    def check_writable(self) -> None:
        files.ensure_writable(self.warehouse)

    @contextlib.contextmanager
    def run_lock(self) -> Iterator[None]:
        with files.exclusive_run(self.warehouse):
            yield

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        # DuckDB admits one configuration per file and process: ours
        # (read-only) closes while dbt writes, dbt-duckdb's closes after.
        self.close()
        try:
            yield
        finally:
            release_dbt_duckdb()

    def dbt_environment(self) -> dict[str, str]:
        return {"WAREHOUSE_PATH": str(self.warehouse)}

    @property
    def database(self) -> str:
        return self.warehouse.stem

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def table_exists(self, schema: str, table: str) -> bool:
        return (
            self.con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()[0]
            > 0
        )

    def source_columns(self, schema: str) -> dict[str, dict[str, str]]:
        rows = self.con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = ? order by table_name, ordinal_position",
            [schema],
        ).fetchall()
        found: dict[str, dict[str, str]] = {}
        for table, column, data_type in rows:
            found.setdefault(table.lower(), {})[column.lower()] = data_type
        return found

    def forget_incremental_state(self) -> None:
        self.close()
        con = files.connect(self.warehouse, read_only=False)
        try:
            con.execute("drop schema if exists mpm_state cascade")
        finally:
            con.close()

    def add_ge_datasource(self, context: Any, name: str) -> Any:
        return context.data_sources.add_pandas(name)

    def write_table(self, schema: str, table: str, frame: pd.DataFrame) -> None:
        self.close()
        con = files.connect(self.warehouse, read_only=False)
        try:
            con.execute(f"create schema if not exists {schema}")
            con.register("incoming", frame)
            con.execute(f"create or replace table {schema}.{table} as select * from incoming")
            con.unregister("incoming")
        finally:
            con.close()

    def ge_row_condition(self, column: str, value: str) -> tuple[str, str]:
        return "pandas", f'{column}=="{value}"'


def release_dbt_duckdb() -> None:
    """Close the database dbt-duckdb keeps open in this process after an
    invocation (its environment is a class attribute that outlives the
    run), so another connection, here or in another process, can open the
    file. dbt-duckdb 1.11; a no-op when it never connected."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt never ran in this process
        return
    environment = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if environment is not None:
        environment.close()


class SparkEngine(Engine):
    """A SparkSession built from the active output of profiles.yml (the one
    place its settings are declared): `spark`, a session in this process, or
    `spark_connect`, a Spark Connect client of MPM_SPARK_REMOTE."""

    target = "spark"

    def __init__(self, session=None):
        self._session = session

    @property
    def spark(self):
        if self._session is None:
            self._session = spark_session()
        return self._session

    @contextlib.contextmanager
    def run_lock(self) -> Iterator[None]:
        # The run's MPM_SPARK_DIR: its Derby metastore admits one process.
        run_dir = spark_run_dir()
        run_dir.mkdir(parents=True, exist_ok=True)
        with files.exclusive_run(run_dir / "metastore"):
            yield

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        # dbt-spark's session method picks up this process's session: start it.
        _ = self.spark
        yield

    def dbt_environment(self) -> dict[str, str]:
        return {"MPM_SPARK_DIR": str(spark_run_dir())}

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.spark.sql(sql, args=params or None).toPandas()

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(self.spark.catalog.tableExists(f"{schema}.{table}"))

    def source_columns(self, schema: str) -> dict[str, dict[str, str]]:
        if not self.spark.catalog.databaseExists(schema):
            return {}
        found: dict[str, dict[str, str]] = {}
        for table in self.spark.catalog.listTables(schema):
            if table.isTemporary:
                continue
            columns = self.spark.catalog.listColumns(f"{schema}.{table.name}")
            found[table.name.lower()] = {
                column.name.lower(): _contract_type(column.dataType) for column in columns
            }
        return found

    def forget_incremental_state(self) -> None:
        self.spark.sql("drop schema if exists mpm_state cascade")

    def add_ge_datasource(self, context: Any, name: str) -> Any:
        return context.data_sources.add_spark(name)

    def write_table(self, schema: str, table: str, frame: pd.DataFrame) -> None:
        self.spark.sql(f"create schema if not exists {schema}")
        self.ge_frame(frame).write.mode("overwrite").saveAsTable(f"{schema}.{table}")

    def ge_row_condition(self, column: str, value: str) -> tuple[str, str]:
        return "spark", f"{column} = '{value}'"

    def ge_frame(self, frame: pd.DataFrame) -> Any:
        """The rows as a Spark DataFrame (explicit schema: a column that is
        null on every row cannot be inferred)."""
        numbers = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        strings = [c for c in frame.columns if c not in numbers]
        schema = ", ".join([*(f"{c} string" for c in strings), *(f"{c} double" for c in numbers)])
        rows = [
            (
                *(None if pd.isna(v) else str(v) for v in values[: len(strings)]),
                *(None if pd.isna(v) else float(v) for v in values[len(strings) :]),
            )
            for values in frame[[*strings, *numbers]].itertuples(index=False, name=None)
        ]
        return self.spark.createDataFrame(rows, schema=schema)


def _contract_type(spark_type: str) -> str:
    base = spark_type.lower().split("(")[0].strip()
    return _SPARK_TO_CONTRACT.get(base, spark_type.upper())


def spark_run_dir() -> Path:
    """MPM_SPARK_DIR made absolute (default `.spark/` in the project), and
    exported so that dbt, rendering profiles.yml, sees the same path."""
    value = os.environ.get("MPM_SPARK_DIR")
    path = Path(value).expanduser().resolve() if value else paths.PROJECT_ROOT / ".spark"
    os.environ["MPM_SPARK_DIR"] = str(path)
    return path


def spark_parameters(output: str = "spark") -> dict[str, str]:
    """server_side_parameters of the profile's `output`, rendered as dbt
    renders them (env_var with a default), plus what dbt-spark forces."""
    import jinja2

    def env_var(name: str, default: str | None = None) -> str:
        value = os.environ.get(name, default)
        if value is None:
            raise UsageError(f"profiles.yml needs the environment variable {name}")
        return value

    profile = yaml.safe_load(PROFILES_FILE.read_text())[PROFILE]["outputs"][output]
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    rendered = {
        str(key): environment.from_string(str(value)).render(env_var=env_var)
        for key, value in profile.get("server_side_parameters", {}).items()
    }
    # dbt-spark always sets this (Spark 3 and 4 alike); the session must match.
    rendered["spark.sql.ansi.enabled"] = "false"
    return rendered


def spark_session():
    """The SparkSession dbt-spark's session method uses (created if needed)."""
    if target_name() == "spark_connect":
        return connect_session()
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UsageError("MPM_TARGET=spark needs pyspark: run `make install-spark`") from exc
    spark_run_dir().mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_parameters().items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect_session():
    """A Spark Connect session on the server at MPM_SPARK_REMOTE (sc://host:port).

    SPARK_REMOTE is exported too: dbt-spark's session method builds its
    session with `SparkSession.builder...getOrCreate()`, which pyspark 4
    turns into this same Connect session when SPARK_REMOTE is set. The
    profile's `spark_connect` parameters are runtime SQL settings, applied
    to the session; the server's own (warehouse, metastore) are its own.
    """
    url = os.environ.get("MPM_SPARK_REMOTE", "")
    if not url.startswith("sc://"):
        raise UsageError(
            f"MPM_TARGET=spark_connect needs MPM_SPARK_REMOTE=sc://host:port, not {url!r}"
        )
    try:
        from pyspark.sql.connect.session import SparkSession
    except ImportError as exc:
        raise UsageError(
            f"MPM_TARGET=spark_connect needs pyspark[connect] ({exc}): run `make install-spark`"
        ) from exc
    os.environ["SPARK_REMOTE"] = url
    builder = SparkSession.builder.remote(url)
    for key, value in spark_parameters("spark_connect").items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def open_engine(warehouse: Path | None = None) -> Engine:
    """The engine of the active target: Spark, or the DuckDB file `warehouse`
    (default: WAREHOUSE_PATH, else the demo warehouse)."""
    if target_name() in SPARK_TARGETS:
        return SparkEngine()
    return DuckDBEngine(warehouse or paths.warehouse_path())
