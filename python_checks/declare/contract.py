"""The source-table contract, read from the contract document itself
(CONTRACT.md, section 1): one declaration that the preflight (exit 2 on a
missing table or column), the demo generator (DDL) and the tests read, and
that `models/staging/_sources.yml` is tested against
(tests/test_contract.py). A table whose heading says `optional` may be
absent from a warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from python_checks.paths import PROJECT_ROOT

CONTRACT_FILE = PROJECT_ROOT / "CONTRACT.md"
# The contract's type words as DuckDB type names.
_TYPES = {
    "varchar": "VARCHAR",
    "double": "DOUBLE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "date": "DATE",
}
_HEADING = re.compile(r"^### (\w+)(?: — (.*))?$")
_ROW = re.compile(r"^\| (\w+) \| ([^|]+) \|")


@dataclass(frozen=True)
class SourceTable:
    name: str
    columns: dict[str, str]  # column -> DuckDB type, in the contract's order
    not_null: frozenset[str]
    optional: bool


@cache
def source_tables(path: Path = CONTRACT_FILE) -> dict[str, SourceTable]:
    """Every source table of section 1, in the document's order."""
    text = path.read_text(encoding="utf-8")
    section = text.split("## 1.", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, SourceTable] = {}
    name, optional, columns, not_null = None, False, {}, set()

    def flush() -> None:
        if name and columns:
            tables[name] = SourceTable(name, dict(columns), frozenset(not_null), optional)

    for line in section.splitlines():
        heading = _HEADING.match(line)
        if heading:
            flush()
            name, columns, not_null = heading.group(1), {}, set()
            optional = (heading.group(2) or "").startswith("optional")
            continue
        row = _ROW.match(line)
        if row and name and row.group(1) != "column":
            words = [w.strip() for w in row.group(2).split(",")]
            if words[0] not in _TYPES:
                raise ValueError(f"{path}: {name}.{row.group(1)} has unknown type {words[0]!r}")
            columns[row.group(1)] = _TYPES[words[0]]
            if "not null" in words[1:]:
                not_null.add(row.group(1))
    flush()
    return tables


def required_tables() -> dict[str, dict[str, str]]:
    """table -> {column: DuckDB type} of the tables every warehouse holds."""
    return {t.name: t.columns for t in source_tables().values() if not t.optional}


def optional_tables() -> dict[str, dict[str, str]]:
    return {t.name: t.columns for t in source_tables().values() if t.optional}


# The tables every warehouse holds, as the demo generator and tests use them.
SOURCE_TABLES: dict[str, dict[str, str]] = required_tables()

TASK_TYPES = ("binary_classification", "ranking", "regression", "generation")

KNOWN_EVENT_TYPES = (
    "session_start",
    "session_end",
    "impression",
    "click",
    "conversion",
    "support_ticket",
    "rating",
    "signup",
)


def create_table_sql(schema: str, table: str) -> str:
    """DDL for one source table exactly as the contract types it."""
    columns = source_tables()[table].columns
    cols = ",\n    ".join(f"{name} {typ}" for name, typ in columns.items())
    return f"CREATE OR REPLACE TABLE {schema}.{table} (\n    {cols}\n)"
