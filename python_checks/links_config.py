"""Load and validate expectations/links.yml: the declared links between the
model layer and the business layer, the engagement guardrails and the
Simpson's-paradox settings. Names reach SQL parameters only, but are held to
the same plain-name rule as thresholds.yml so a typo fails loudly (exit 2)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from python_checks import paths
from python_checks.config import _name
from python_checks.errors import ConfigError

_SEVERITIES = ("warn", "error")
_DIRECTIONS = {"up": 1, "down": -1}


@dataclass(frozen=True)
class Series:
    """One metrics_daily series at the __all__/__all__ rollup, with its good direction."""

    model: str
    metric: str
    better: int  # +1 higher is better, -1 lower is better
    needs_labels: bool = False

    @property
    def label(self) -> str:
        return f"{self.model} {self.metric}"


@dataclass(frozen=True)
class Link:
    name: str
    why: str
    model: Series
    business: Series


@dataclass(frozen=True)
class GuardrailPair:
    engagement: Series
    guardrail: Series


@dataclass(frozen=True)
class MovementSettings:
    window_days: int = 7
    min_days_per_window: int = 5
    noise_z: float = 3.0
    min_relative_change: float = 0.03
    correlation_days: int = 28


@dataclass(frozen=True)
class Links:
    links: tuple[Link, ...]
    guardrails: tuple[GuardrailPair, ...]
    movement: MovementSettings
    min_sample_size: int = 0
    staged_fallback: bool = True
    severity: str = "error"
    guardrail_severity: str = "warn"
    simpson_severity: str = "warn"
    simpson_min_segments: int = 2
    simpson_ignore_segments: tuple[str, ...] = ()


def _fail(path: Path, reason: str) -> ConfigError:
    return ConfigError(str(path), reason)


def _series(path: Path, raw: Any, where: str, default_model: str | None = None) -> Series:
    if not isinstance(raw, dict):
        raise _fail(path, f"{where} must be a mapping with model, metric and better")
    model = raw.get("model", default_model)
    metric = raw.get("metric")
    better = raw.get("better", "up")
    if not model or not metric:
        raise _fail(path, f"{where} needs model and metric")
    if better not in _DIRECTIONS:
        raise _fail(path, f"{where}: better must be up or down, got {better!r}")
    return Series(
        model=_name(model, f"{where} model", allow_star=False),
        metric=_name(metric, f"{where} metric", allow_star=False),
        better=_DIRECTIONS[better],
        needs_labels=bool(raw.get("needs_labels", False)),
    )


def _severity(path: Path, value: Any, where: str) -> str:
    if value not in _SEVERITIES:
        raise _fail(path, f"{where}: severity must be warn or error, got {value!r}")
    return value


def _positive(path: Path, value: Any, where: str, kind: type = int) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _fail(path, f"{where} must be a positive number, got {value!r}")
    return kind(value)


def load_links(path: Path | None = None) -> Links:
    path = path or paths.LINKS_FILE
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError as exc:
        raise ConfigError(str(path), "file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"not valid YAML ({exc.__class__.__name__})") from exc
    settings = dict(raw.get("settings") or {})
    movement = MovementSettings(
        window_days=_positive(path, settings.get("window_days", 7), "window_days"),
        min_days_per_window=_positive(
            path, settings.get("min_days_per_window", 5), "min_days_per_window"
        ),
        noise_z=_positive(path, settings.get("noise_z", 3.0), "noise_z", float),
        min_relative_change=float(settings.get("min_relative_change", 0.0)),
        correlation_days=_positive(path, settings.get("correlation_days", 28), "correlation_days"),
    )
    if movement.min_days_per_window > movement.window_days or movement.min_days_per_window < 2:
        raise _fail(path, "min_days_per_window must be between 2 and window_days")
    links, names = [], set()
    for index, entry in enumerate(raw.get("links") or [], start=1):
        if not isinstance(entry, dict) or "name" not in entry:
            raise _fail(path, f"link {index} must be a mapping with a name")
        name = str(entry["name"])
        if name in names:
            raise _fail(path, f"link {name!r} is declared twice")
        names.add(name)
        links.append(
            Link(
                name=name,
                why=str(entry.get("why", "")),
                model=_series(path, entry.get("model"), f"link {name} model"),
                business=_series(path, entry.get("business"), f"link {name} business"),
            )
        )
    guard = dict(raw.get("guardrails") or {})
    pairs = []
    for index, entry in enumerate(guard.get("pairs") or [], start=1):
        engagement = _series(path, entry.get("engagement"), f"guardrail pair {index} engagement")
        for j, g in enumerate(entry.get("guardrails") or [], start=1):
            pairs.append(
                GuardrailPair(
                    engagement,
                    _series(path, g, f"guardrail pair {index}.{j}", engagement.model),
                )
            )
    simpson = dict(raw.get("simpson") or {})
    return Links(
        links=tuple(links),
        guardrails=tuple(pairs),
        movement=movement,
        min_sample_size=int(settings.get("min_sample_size", 0)),
        staged_fallback=bool(settings.get("staged_fallback", True)),
        severity=_severity(path, settings.get("severity", "error"), "settings"),
        guardrail_severity=_severity(path, guard.get("severity", "warn"), "guardrails"),
        simpson_severity=_severity(path, simpson.get("severity", "warn"), "simpson"),
        simpson_min_segments=int(simpson.get("min_segments", 2)),
        simpson_ignore_segments=tuple(str(s) for s in simpson.get("ignore_segments") or ()),
    )
