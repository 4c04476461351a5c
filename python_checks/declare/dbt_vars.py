"""The dbt vars (dbt_project.yml `vars:`): every knob the SQL reads, declared
once there and read here, never copied. Vars that dbt templates into SQL
text are validated first, so a value like `raw; drop table x` is a
configuration error before dbt starts."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

from python_checks import paths
from python_checks.errors import ConfigError

SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")
# How each var that reaches SQL text must look; a var not listed here must
# not be templated into SQL unquoted.
_VAR_KINDS = {
    "source_schema": "schema",
    "threshold_grid_step": "number",
    "cost_false_positive": "number",
    "cost_false_negative": "number",
    "ece_bins": "count",
    "earliest_valid_timestamp": "timestamp",
    "max_future_days": "count",
}


class DbtVars(dict):
    """The project's vars, plus the overrides a run passes on dbt's command
    line (`overrides`, also in the mapping)."""

    def __init__(self, values: dict[str, Any], overrides: dict[str, Any] | None = None):
        super().__init__({**values, **(overrides or {})})
        self.overrides: dict[str, Any] = dict(overrides or {})

    @property
    def source_schema(self) -> str:
        return str(self.get("source_schema", "raw"))

    @property
    def ece_bins(self) -> int:
        return int(self.get("ece_bins", 10))

    def costs(self) -> dict[str, Any]:
        return {k: self.get(k) for k in ("cost_false_positive", "cost_false_negative")}


def read_vars(path: Path | None = None) -> dict[str, Any]:
    """The vars block of dbt_project.yml (default: the project's)."""
    raw = yaml.safe_load((path or paths.DBT_PROJECT_FILE).read_text())
    return dict(raw.get("vars") or {})


def load_dbt_vars(path: Path, source_schema: str | None = None) -> DbtVars:
    """The project's vars with a run's source schema, validated."""
    overrides = {}
    if source_schema is not None:
        if not SCHEMA_NAME.match(source_schema):
            raise ConfigError("source_schema", f"{source_schema!r} is not a plain schema name")
        overrides["source_schema"] = source_schema
    values = DbtVars(read_vars(path), overrides)
    validate_dbt_vars(values, f"{path.name} vars")
    return values


def validate_dbt_vars(values: dict[str, Any], source: str = "dbt_project.yml vars") -> None:
    """Every var dbt templates into SQL is checked here first: a schema name is
    an identifier, numbers are numbers, a timestamp is an ISO date."""
    for name, kind in _VAR_KINDS.items():
        if name not in values:
            continue
        value = values[name]
        if kind == "schema":
            ok = isinstance(value, str) and bool(SCHEMA_NAME.match(value))
            want = "a plain schema name"
        elif kind == "number":
            ok = (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            )
            want = "a finite number"
        elif kind == "count":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            want = "a whole number >= 0"
        else:
            ok = isinstance(value, str) and bool(_ISO_DATE.match(value))
            want = "a date YYYY-MM-DD"
        if not ok:
            raise ConfigError(source, f"{name} must be {want}, got {value!r}")
