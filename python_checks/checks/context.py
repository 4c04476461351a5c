"""What every check is given: the declarations (loaded once), the engine
for the few queries a check makes of the staged tables, and metrics_daily,
read once per run into a frame that every check filters instead of
querying the table again."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from python_checks.declare import Declarations
from python_checks.declare.thresholds import CheckSettings
from python_checks.results import CheckResult
from python_checks.warehouse.engine import Engine

ALL = "__all__"


@dataclass
class CheckContext:
    engine: Engine
    declarations: Declarations
    metrics: pd.DataFrame  # all of metrics_daily (Engine.metrics)

    @property
    def settings(self) -> CheckSettings:
        """The Python checks' tolerances (thresholds.yml `checks:`)."""
        return self.declarations.thresholds.checks

    @property
    def window_days(self) -> int:
        return self.declarations.window_days

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Portable SQL (DuckDB and Spark) with `?` placeholders."""
        return self.engine.query(sql, params)

    def table_exists(self, schema: str, table: str) -> bool:
        return self.engine.table_exists(schema, table)

    def missing(self, check: str, severity: str, *relations: str) -> list[CheckResult]:
        """A not-evaluated result naming the relations (`schema.table`) that
        do not exist; empty when they all do."""
        absent = [name for name in relations if not self.table_exists(*name.split("."))]
        if not absent:
            return []
        verb = "does" if len(absent) == 1 else "do"
        return [CheckResult.not_evaluated(check, severity, f"{', '.join(absent)} {verb} not exist")]

    def rollup(self, model: str, metric: str) -> pd.DataFrame:
        """One published series at the __all__/__all__ rollup, by day:
        metric_date, metric_value, sample_size."""
        frame = self.metrics
        if frame.empty:
            return pd.DataFrame(columns=["metric_date", "metric_value", "sample_size"])
        rows = frame[
            (frame["model_name"] == model)
            & (frame["metric_name"] == metric)
            & (frame["model_version"] == ALL)
            & (frame["segment"] == ALL)
            & (frame["feature_name"].fillna("") == "")
        ]
        return rows[["metric_date", "metric_value", "sample_size"]].sort_values("metric_date")

    def window_start(self) -> pd.Timestamp | None:
        """The first day of the evaluation window (None without metrics)."""
        if self.metrics.empty:
            return None
        last = pd.Timestamp(self.metrics["metric_date"].max())
        return last - pd.Timedelta(days=self.window_days - 1)
