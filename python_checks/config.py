"""Load and validate the declarations: thresholds (expectations/thresholds.yml)
and dbt vars (dbt_project.yml). Values that later reach SQL or a pandas query
are validated here, once, so a hostile name fails as a configuration error
instead of running."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from python_checks import paths
from python_checks.errors import ConfigError

# Names that reach SQL or GE conditions: model, version, segment, metric, feature.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
_SEVERITIES = ("warn", "error")
_RULE_KEYS = {
    "model",
    "metric",
    "model_version",
    "segment",
    "feature",
    "min",
    "max",
    "severity",
    "min_sample_size",
    "min_label_coverage",
    "kind",
    "window",
    "reference_days",
    "k",
    "proportion",
}
_KINDS = ("static", "change", "band")


@dataclass(frozen=True)
class Rule:
    """One declared bound on one metric of metrics_daily."""

    rule_id: str
    model: str
    metric: str
    model_version: str = "__all__"
    segment: str = "__all__"
    feature: str = "*"
    min: float | None = None
    max: float | None = None
    severity: str = "error"
    min_sample_size: int = 0
    min_label_coverage: float = 0.0
    # static: bound the value itself. change: bound the relative change of the
    # mean over the last `window` days against the `window` days before (a
    # trend that a fixed floor misses). band: bound the z-score of the value
    # against the mean and standard deviation of the slice's first
    # `reference_days` days (its own normal noise).
    kind: str = "static"
    window: int = 7
    reference_days: int = 7
    # A proportion (precision, recall, CTR ...): the row breaches only when
    # its whole Wilson interval (from metric_value and sample_size, z from
    # settings.wilson_z) lies outside the bound, so a 20-row day whose point
    # estimate dips does not page anyone.
    proportion: bool = False

    @property
    def checked_metric(self) -> str:
        """The name of the series the bound applies to (derived for change/band)."""
        if self.kind == "change":
            return f"{self.metric}:change_{self.window}d"
        if self.kind == "band":
            return f"{self.metric}:z_vs_first_{self.reference_days}d"
        return self.metric

    def bound_text(self) -> str:
        if self.min is not None and self.max is not None:
            return f"[{self.min:g}, {self.max:g}]"
        return f">= {self.min:g}" if self.min is not None else f"<= {self.max:g}"

    def describe(self) -> str:
        scope = []
        if self.model_version != "__all__":
            scope.append(f"version {self.model_version}")
        if self.segment != "__all__":
            scope.append(f"segment {self.segment}")
        if self.feature != "*":
            scope.append(f"feature {self.feature}")
        if self.proportion:
            scope.append("Wilson interval")
        where = f" ({', '.join(scope)})" if scope else ""
        return f"{self.model} {self.checked_metric}{where} {self.bound_text()}"


@dataclass(frozen=True)
class Thresholds:
    rules: tuple[Rule, ...]
    settings: dict[str, Any]
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def check_setting(self, check: str, key: str) -> Any:
        try:
            return self.checks[check][key]
        except KeyError as exc:
            raise ConfigError("thresholds.yml", f"checks.{check}.{key} is not declared") from exc


def _name(value: Any, what: str, allow_star: bool = True) -> str:
    text = str(value)
    if text == "*" and allow_star:
        return text
    if not _SAFE_NAME.match(text):
        raise ConfigError(
            "thresholds.yml", f"{what} {text!r} is not a plain name (letters, digits, _ . : -)"
        )
    return text


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError("thresholds.yml", f"{what} must be a number, got {value!r}")
    return float(value)


def load_thresholds(path: Path | None = None) -> Thresholds:
    path = path or paths.THRESHOLDS_FILE
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError as exc:
        raise ConfigError(str(path), "file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"not valid YAML ({exc.__class__.__name__})") from exc
    settings = dict(raw.get("settings") or {})
    default_sample = int(settings.get("min_sample_size", 0))
    default_coverage = float(settings.get("min_label_coverage", 0.0))
    rules = []
    for index, entry in enumerate(raw.get("rules") or [], start=1):
        if not isinstance(entry, dict):
            raise ConfigError(str(path), f"rule {index} is not a mapping")
        unknown = set(entry) - _RULE_KEYS
        if unknown:
            raise ConfigError(str(path), f"rule {index} has unknown keys {sorted(unknown)}")
        for key in ("model", "metric"):
            if key not in entry:
                raise ConfigError(str(path), f"rule {index} has no {key}")
        severity = entry.get("severity", "error")
        if severity not in _SEVERITIES:
            raise ConfigError(str(path), f"rule {index}: severity must be warn or error")
        kind = entry.get("kind", "static")
        if kind not in _KINDS:
            raise ConfigError(str(path), f"rule {index}: kind must be one of {', '.join(_KINDS)}")
        window, reference_days = entry.get("window", 7), entry.get("reference_days", 7)
        for what, value in (("window", window), ("reference_days", reference_days)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
                raise ConfigError(str(path), f"rule {index}: {what} must be a whole number of days")
        low, high = _number(entry.get("min"), "min"), _number(entry.get("max"), "max")
        k = _number(entry.get("k"), "k")
        if k is not None:
            # band shorthand: reference mean ± k·σ of the metric's own daily values
            if kind != "band" or k <= 0 or low is not None or high is not None:
                raise ConfigError(
                    str(path), f"rule {index}: k needs kind band, a positive value and no min/max"
                )
            low, high = -k, k
        proportion = entry.get("proportion", False)
        if not isinstance(proportion, bool) or (proportion and kind != "static"):
            raise ConfigError(
                str(path), f"rule {index}: proportion must be true/false on a static rule"
            )
        if low is None and high is None:
            raise ConfigError(str(path), f"rule {index} has neither min nor max")
        rules.append(
            Rule(
                rule_id=f"r{index:03d}",
                model=_name(entry["model"], "model"),
                metric=_name(entry["metric"], "metric", allow_star=False),
                model_version=_name(entry.get("model_version", "__all__"), "model_version"),
                segment=_name(entry.get("segment", "__all__"), "segment"),
                feature=_name(entry.get("feature", "*"), "feature"),
                min=low,
                max=high,
                severity=severity,
                min_sample_size=int(entry.get("min_sample_size", default_sample)),
                min_label_coverage=float(entry.get("min_label_coverage", default_coverage)),
                kind=kind,
                window=window,
                reference_days=reference_days,
                proportion=proportion,
            )
        )
    return Thresholds(rules=tuple(rules), settings=settings, checks=dict(raw.get("checks") or {}))


def dbt_vars(path: Path | None = None) -> dict[str, Any]:
    """The vars block of dbt_project.yml: the one place the dbt knobs live."""
    raw = yaml.safe_load((path or paths.DBT_PROJECT_FILE).read_text())
    return dict(raw.get("vars") or {})


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


def validate_dbt_vars(values: dict[str, Any], source: str = "dbt_project.yml vars") -> None:
    """Every var dbt templates into SQL is checked here first: a schema name is
    an identifier, numbers are numbers, a timestamp is an ISO date. A value
    like `raw; drop table x` is a configuration error before dbt starts."""
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
