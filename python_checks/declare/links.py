"""The links file (links.yml in the config folder, paths.config_dir): the
declared links between the model layer and the business layer, the engagement guardrails and the
Simpson's-paradox settings. Names reach SQL parameters only, but are held to
the same plain-name rule as thresholds.yml so a typo fails loudly (exit 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_checks import paths
from python_checks.declare.validate import DeclarationFile

_DIRECTIONS = {"up": 1, "down": -1}
_WAY = {1: "higher is better", -1: "lower is better"}
_SETTINGS_KEYS = {
    "window_days",
    "min_days_per_window",
    "noise_z",
    "min_relative_change",
    "correlation_days",
    "min_sample_size",
    "staged_fallback",
    "severity",
}


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
    # l001, l002, ...: the link's position in the file, the id dbt's
    # link_verdicts_daily and `mpm run` both report it under.
    link_id: str = ""

    def describe(self) -> str:
        return (
            f"link {self.name}: {self.model.label} ({_WAY[self.model.better]}) "
            f"and {self.business.label} ({_WAY[self.business.better]})"
        )


@dataclass(frozen=True)
class GuardrailPair:
    engagement: Series
    guardrail: Series
    # g001, g002, ...: one per engagement metric x guardrail, in file order.
    link_id: str = ""

    @property
    def name(self) -> str:
        return f"{self.engagement.metric}~{self.guardrail.metric}"

    def describe(self) -> str:
        return (
            f"guardrail {self.name}: {self.engagement.label} ({_WAY[self.engagement.better]}) "
            f"while {self.guardrail.label} ({_WAY[self.guardrail.better]})"
        )


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
    path: Path | None = None


# Model metrics a link can compute from the staged rows when no mart
# publishes them (checks/links.py, staged_series): their contract
# definition is plain there.
STAGED_LATENCY = re.compile(r"^latency_p(\d{2})_ms$")
STAGED_RANKING = re.compile(r"^(ndcg|recall)_at_(\d{1,3})$")


def has_staged_fallback(metric: str) -> bool:
    return bool(STAGED_LATENCY.match(metric) or STAGED_RANKING.match(metric))


def load_links(path: Path | None = None) -> Links:
    """The links file (default: the demo's, paths.LINKS_FILE)."""
    path = path or paths.LINKS_FILE
    file = DeclarationFile(path)
    raw = file.load()
    file.known_keys(raw, {"settings", "links", "guardrails", "simpson"}, "the file")
    settings = file.mapping(raw.get("settings"), "settings")
    file.known_keys(settings, _SETTINGS_KEYS, "settings")
    movement = MovementSettings(
        window_days=file.positive(settings.get("window_days", 7), "window_days"),
        min_days_per_window=file.positive(
            settings.get("min_days_per_window", 5), "min_days_per_window"
        ),
        noise_z=file.positive(settings.get("noise_z", 3.0), "noise_z", float),
        min_relative_change=file.number(
            settings.get("min_relative_change", 0.0), "min_relative_change"
        )
        or 0.0,
        correlation_days=file.positive(settings.get("correlation_days", 28), "correlation_days"),
    )
    if movement.min_days_per_window > movement.window_days or movement.min_days_per_window < 2:
        raise file.error("min_days_per_window must be between 2 and window_days")
    links, names = [], set()
    for index, entry in enumerate(raw.get("links") or [], start=1):
        if not isinstance(entry, dict) or "name" not in entry:
            raise file.error(f"link {index} must be a mapping with a name")
        name = str(entry["name"])
        if name in names:
            raise file.error(f"link {name!r} is declared twice")
        names.add(name)
        file.known_keys(entry, {"name", "why", "model", "business"}, f"link {name}")
        links.append(
            Link(
                name=name,
                why=str(entry.get("why", "")),
                model=_series(file, entry.get("model"), f"link {name} model"),
                business=_series(file, entry.get("business"), f"link {name} business"),
                link_id=f"l{index:03d}",
            )
        )
    guard = file.mapping(raw.get("guardrails"), "guardrails")
    file.known_keys(guard, {"severity", "pairs"}, "guardrails")
    pairs = []
    for index, entry in enumerate(guard.get("pairs") or [], start=1):
        entry = file.mapping(entry, f"guardrail pair {index}")
        file.known_keys(entry, {"engagement", "guardrails"}, f"guardrail pair {index}")
        engagement = _series(file, entry.get("engagement"), f"guardrail pair {index} engagement")
        for j, g in enumerate(entry.get("guardrails") or [], start=1):
            pairs.append(
                GuardrailPair(
                    engagement,
                    _series(file, g, f"guardrail pair {index}.{j}", engagement.model),
                    link_id=f"g{len(pairs) + 1:03d}",
                )
            )
    simpson = file.mapping(raw.get("simpson"), "simpson")
    file.known_keys(simpson, {"severity", "min_segments", "ignore_segments"}, "simpson")
    return Links(
        links=tuple(links),
        guardrails=tuple(pairs),
        movement=movement,
        min_sample_size=file.whole(settings.get("min_sample_size", 0), "min_sample_size"),
        staged_fallback=bool(settings.get("staged_fallback", True)),
        severity=file.severity(settings.get("severity", "error"), "settings"),
        guardrail_severity=file.severity(guard.get("severity", "warn"), "guardrails"),
        simpson_severity=file.severity(simpson.get("severity", "warn"), "simpson"),
        simpson_min_segments=file.whole(simpson.get("min_segments", 2), "simpson.min_segments", 1),
        simpson_ignore_segments=tuple(
            file.name(s, "simpson.ignore_segments", allow_star=False)
            for s in simpson.get("ignore_segments") or ()
        ),
        path=path,
    )


def _series(
    file: DeclarationFile, raw: Any, where: str, default_model: str | None = None
) -> Series:
    if not isinstance(raw, dict):
        raise file.error(f"{where} must be a mapping with model, metric and better")
    file.known_keys(raw, {"model", "metric", "better", "needs_labels"}, where)
    model = raw.get("model", default_model)
    metric = raw.get("metric")
    better = raw.get("better", "up")
    if not model or not metric:
        raise file.error(f"{where} needs model and metric")
    if better not in _DIRECTIONS:
        raise file.error(f"{where}: better must be up or down, got {better!r}")
    return Series(
        model=file.name(model, f"{where} model", allow_star=False),
        metric=file.name(metric, f"{where} metric", allow_star=False),
        better=_DIRECTIONS[better],
        needs_labels=bool(raw.get("needs_labels", False)),
    )
