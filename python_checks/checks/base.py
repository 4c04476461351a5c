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
