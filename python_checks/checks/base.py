"""What every Python check is given: a read-only warehouse connection, the
declarations, and where the marts live."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from python_checks.config import Thresholds


@dataclass
class CheckContext:
    con: duckdb.DuckDBPyConnection
    thresholds: Thresholds
    dbt_vars: dict[str, Any]

    def setting(self, check: str, key: str) -> Any:
        return self.thresholds.check_setting(check, key)

    def table_exists(self, schema: str, table: str) -> bool:
        return (
            self.con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()[0]
            > 0
        )
