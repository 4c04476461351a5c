"""Put the contract's source tables in front of Spark.

Spark reads the sources as Parquet: each contract table is one folder of
Parquet files (`<dir>/<table>/*.parquet`), registered as a table of the
source schema with the contract's column types. The optional tables
(`model_versions`, `offline_metrics`) travel when the warehouse has them and
are dropped from the schema when it does not, so a re-export never leaves a
stale registry behind. Two steps, usable apart:

- `export_parquet`: write the source tables of a DuckDB warehouse (the demo
  or a test warehouse) as Parquet, with DuckDB (no Spark needed);
- `register`: `dbt run-operation register_parquet_sources` on the active
  target, so registration goes through dbt's own connection and works the
  same on a local session, a thrift server or Databricks (the location must
  then be readable by the cluster).

    python -m python_checks.warehouse.spark_loader --warehouse wh.duckdb --parquet-dir /data/pq

(with MPM_TARGET=spark and MPM_SPARK_DIR set) does both. Run it before
dbt, not beside it: a local session's Derby metastore admits one process.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from python_checks.declare.contract import SOURCE_TABLES, optional_tables
from python_checks.declare.dbt_vars import SCHEMA_NAME
from python_checks.errors import UsageError
from python_checks.warehouse.dbt import Dbt
from python_checks.warehouse.engine import Engine, open_engine

# The contract's (DuckDB) types as Spark SQL types.
SPARK_TYPES = {
    "VARCHAR": "string",
    "DOUBLE": "double",
    "INTEGER": "int",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
}


def contract_tables() -> dict[str, dict[str, str]]:
    """Every contract table, required first, with its columns and types."""
    return {**SOURCE_TABLES, **optional_tables()}


def spark_columns(table: str) -> str:
    """The column list of one contract table in Spark DDL."""
    columns = contract_tables()[table]
    return ", ".join(f"{name} {SPARK_TYPES[typ]}" for name, typ in columns.items())


def exported_tables(parquet_dir: Path) -> list[str]:
    """The contract tables with Parquet files under `parquet_dir`: every
    required table (a missing one fails at registration, loudly) and the
    optional ones that were exported."""
    optional = [t for t in optional_tables() if any((parquet_dir / t).glob("*.parquet"))]
    return [*SOURCE_TABLES, *optional]


def export_parquet(warehouse: Path, out_dir: Path, schema: str = "raw") -> dict[str, int]:
    """Write every contract table of `schema` to `<out_dir>/<table>/part-0.parquet`.

    Columns are written in the contract's order and types; NaN and ±infinity
    survive (the quarantine needs them). Returns the row count per table.
    """
    if not SCHEMA_NAME.match(schema):
        raise UsageError(f"source schema {schema!r} is not a plain schema name")
    counts: dict[str, int] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        present = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
        }
        for table, columns in contract_tables().items():
            folder = out_dir / table
            for stale in folder.glob("*.parquet"):
                stale.unlink()
            if table not in SOURCE_TABLES and table not in present:
                continue  # an optional table this warehouse does not have
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / "part-0.parquet"
            casts = ", ".join(f"cast({c} as {t}) as {c}" for c, t in columns.items())
            # Identifiers come from the contract and a validated schema name.
            con.execute(
                f"copy (select {casts} from {schema}.{table}) to '{target}' (format parquet)"
            )
            counts[table] = con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
    finally:
        con.close()
    return counts


def register(
    parquet_dir: Path,
    artifacts: Path,
    schema: str = "raw",
    quiet: bool = True,
    engine: Engine | None = None,
) -> None:
    """Register `<parquet_dir>/<table>` as `<schema>.<table>` on the active dbt
    target (dbt runs in this process: a local Spark session shares this
    process's session and Derby metastore with what comes next)."""
    if not SCHEMA_NAME.match(schema):
        raise UsageError(f"source schema {schema!r} is not a plain schema name")
    args = {
        "schema": schema,
        "location": str(parquet_dir.resolve()),
        "tables": {table: spark_columns(table) for table in exported_tables(parquet_dir)},
        "absent": [t for t in optional_tables() if t not in exported_tables(parquet_dir)],
    }
    try:
        Dbt(engine or open_engine(), artifacts, quiet=quiet).run_operation(
            "register_parquet_sources", args
        )
    except UsageError as exc:
        raise UsageError(f"registering the Parquet sources failed: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m python_checks.warehouse.spark_loader",
        description="Export a DuckDB warehouse's source tables to Parquet and register "
        "them as tables on the active dbt target (MPM_TARGET=spark).",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file to export (omit to register Parquet files that already exist)",
    )
    parser.add_argument("--parquet-dir", type=Path, required=True)
    parser.add_argument("--source-schema", default="raw")
    parser.add_argument("--artifacts", type=Path, default=Path("reports/spark_loader"))
    args = parser.parse_args(argv)
    try:
        if args.warehouse:
            counts = export_parquet(args.warehouse, args.parquet_dir, args.source_schema)
            print(", ".join(f"{t} {n:,}" for t, n in counts.items()))
        register(args.parquet_dir, args.artifacts, args.source_schema, quiet=False)
    except UsageError as exc:
        print(f"spark_loader: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
