"""The engine the models ran on, behind one small interface.

The dbt target is chosen by MPM_TARGET (profiles.yml): `duckdb` (default,
the file named by WAREHOUSE_PATH) or `spark` (dbt-spark; locally a Spark
session whose warehouse and Derby metastore live under MPM_SPARK_DIR). The
nightly job reads the published tables and runs its Python checks through
an `Engine`, so nothing outside this module knows which one it is:

- `query(sql, params)`: a pandas frame (`?` placeholders on both engines);
- `table_exists(schema, table)`, `source_columns(schema)`;
- `spark`: the SparkSession on Spark (for Great Expectations' Spark
  datasource), None on DuckDB.

On Spark the session is built from the `spark` output of profiles.yml (the
one place its settings are declared), and dbt runs in the same process so
it reuses this session: the embedded Derby metastore admits one JVM.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from python_checks import paths
from python_checks.errors import UsageError

PROFILE = "ml_product_metrics"
PROFILES_FILE = paths.PROJECT_ROOT / "profiles.yml"

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


def target_name() -> str:
    """The dbt target of this run: MPM_TARGET, default duckdb."""
    return os.environ.get("MPM_TARGET", "duckdb")


def is_spark() -> bool:
    return target_name() == "spark"


def spark_run_dir() -> Path:
    """MPM_SPARK_DIR made absolute (default `.spark/` in the project), and
    exported so that dbt, rendering profiles.yml, sees the same path."""
    value = os.environ.get("MPM_SPARK_DIR")
    path = Path(value).expanduser().resolve() if value else paths.PROJECT_ROOT / ".spark"
    os.environ["MPM_SPARK_DIR"] = str(path)
    return path


def spark_parameters() -> dict[str, str]:
    """server_side_parameters of the profile's `spark` output, rendered as dbt
    renders them (env_var with a default), plus what dbt-spark forces."""
    import jinja2

    def env_var(name: str, default: str | None = None) -> str:
        value = os.environ.get(name, default)
        if value is None:
            raise UsageError(f"profiles.yml needs the environment variable {name}")
        return value

    profile = yaml.safe_load(PROFILES_FILE.read_text())[PROFILE]["outputs"]["spark"]
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


class Engine:
    """What the nightly job needs from a warehouse after dbt has built it."""

    spark: Any = None

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def table_exists(self, schema: str, table: str) -> bool:
        raise NotImplementedError

    def source_columns(self, schema: str) -> dict[str, dict[str, str]]:
        """{table: {column: contract type name}} of every table in `schema`."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class DuckDBEngine(Engine):
    def __init__(self, warehouse: Path):
        from python_checks.warehouse import connect

        self.con = connect(warehouse, read_only=True)

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

    def close(self) -> None:
        self.con.close()


class SparkEngine(Engine):
    def __init__(self, session=None):
        self.spark = session or spark_session()

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


def _contract_type(spark_type: str) -> str:
    base = spark_type.lower().split("(")[0].strip()
    return _SPARK_TO_CONTRACT.get(base, spark_type.upper())


def open_engine(warehouse: Path) -> Engine:
    """The engine of the active target: Spark, or the DuckDB file `warehouse`."""
    return SparkEngine() if is_spark() else DuckDBEngine(warehouse)
