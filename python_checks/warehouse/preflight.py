"""Before dbt runs: every source table of the contract exists with every
column, in a type that can be read as the contract's. A missing table or
column is an input error (exit 2) naming it, not a dbt stack trace. Extra
columns are allowed and reported."""

from __future__ import annotations

from dataclasses import dataclass, field

from python_checks.declare.contract import SourceTable, source_tables
from python_checks.errors import InputError, UsageError
from python_checks.warehouse.engine import Engine

# Source types DuckDB reads losslessly as the contract's type.
_COMPATIBLE = {
    "VARCHAR": {"VARCHAR"},
    "DOUBLE": {"DOUBLE", "FLOAT", "REAL", "DECIMAL", "INTEGER", "BIGINT", "SMALLINT", "HUGEINT"},
    "INTEGER": {"INTEGER", "SMALLINT", "TINYINT", "BIGINT"},
    "BOOLEAN": {"BOOLEAN"},
    "TIMESTAMP": {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATETIME"},
}


@dataclass
class PreflightReport:
    row_counts: dict[str, int] = field(default_factory=dict)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)


def _base_type(data_type: str) -> str:
    return data_type.upper().split("(")[0].strip()


def check_sources(
    engine: Engine, schema: str, contract: dict[str, SourceTable] | None = None
) -> PreflightReport:
    """Check the source tables through the active engine (DuckDB or Spark).
    An optional table of the contract may be absent; when present it is
    held to the contract like the others."""
    report = PreflightReport()
    try:
        found = engine.source_columns(schema)
    except UsageError:  # the engine's own one line (a locked or damaged file)
        raise
    except Exception as exc:  # the catalog itself cannot be read
        raise InputError(schema, f"the warehouse cannot be read: {_reason(exc)}") from exc
    for table, declared in (contract or source_tables()).items():
        columns = declared.columns
        actual = found.get(table)
        if actual is None:
            if declared.optional:
                continue
            raise InputError(f"{schema}.{table}", "table not found")
        for column, expected in columns.items():
            if column not in actual:
                raise InputError(f"{schema}.{table}", "column missing", column)
            got = _base_type(actual[column])
            if got not in _COMPATIBLE[expected]:
                raise InputError(
                    f"{schema}.{table}",
                    f"type {actual[column]} cannot be read as {expected}",
                    column,
                )
        extra = sorted(set(actual) - set(columns))
        if extra:
            report.extra_columns[table] = extra
        # Identifiers come from the contract and a validated schema name.
        try:
            counted = engine.query(f"select count(*) as n from {schema}.{table}")
        except Exception as exc:  # a view over a missing file, a damaged table
            raise InputError(f"{schema}.{table}", f"cannot be read: {_reason(exc)}") from exc
        report.row_counts[table] = int(counted.iloc[0, 0])
    return report


def _reason(exc: Exception) -> str:
    """The engine's own reason, on one line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"
