"""What every Python check is given: the warehouse engine (DuckDB or Spark,
read-only use), the declarations, and where the marts live."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from python_checks.config import Thresholds
from python_checks.engine import Engine


@dataclass
class CheckContext:
    engine: Engine
    thresholds: Thresholds
    dbt_vars: dict[str, Any]

    def setting(self, check: str, key: str) -> Any:
        return self.thresholds.check_setting(check, key)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Portable SQL (DuckDB and Spark) with `?` placeholders."""
        return self.engine.query(sql, params)

    def table_exists(self, schema: str, table: str) -> bool:
        return self.engine.table_exists(schema, table)

    @property
    def con(self) -> Any:
        """A DB-API-like connection (`execute(sql, params)` then `fetchall()`,
        `fetchone()` or `df()`): DuckDB's own on DuckDB, a thin wrapper over
        engine.query on Spark. Prefer `query`, which returns a DataFrame."""
        native = getattr(self.engine, "con", None)
        return native if native is not None else _QueryConnection(self.engine)


class _QueryResult:
    def __init__(self, frame: pd.DataFrame):
        self._frame = frame.astype(object).where(frame.notna(), None)

    def df(self) -> pd.DataFrame:
        return self._frame

    def fetchall(self) -> list[tuple]:
        return list(self._frame.itertuples(index=False, name=None))

    def fetchone(self) -> tuple | None:
        rows = self.fetchall()
        return rows[0] if rows else None


class _QueryConnection:
    def __init__(self, engine: Engine):
        self.engine = engine

    def execute(self, sql: str, params: list | None = None) -> _QueryResult:
        return _QueryResult(self.engine.query(sql, params))
