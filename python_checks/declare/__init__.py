"""Every declaration of a run, loaded and validated once, before anything
runs: the thresholds and the Python checks' tolerances, the links between
the layers, the dbt vars, the source contract, and (once dbt has parsed the
project) the metric catalog. The checks and the report are handed this
object; none of them opens a declaration file again.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path

from python_checks import paths
from python_checks.declare.alerts import Alerts, load_alerts
from python_checks.declare.catalog import MetricCatalog, MetricInfo
from python_checks.declare.contract import SourceTable, source_tables
from python_checks.declare.dbt_vars import DbtVars, load_dbt_vars
from python_checks.declare.links import (
    Links,
    MovementSettings,
    has_staged_fallback,
    load_links,
)
from python_checks.declare.thresholds import Rule, Thresholds, load_thresholds
from python_checks.errors import ConfigError, UsageError

__all__ = [
    "AbsentModel",
    "Alerts",
    "Declarations",
    "DbtVars",
    "Links",
    "MetricCatalog",
    "MetricInfo",
    "Rule",
    "Thresholds",
    "load",
]


@dataclass
class AbsentModel:
    """A model the config names that metrics_daily does not hold: the
    rules and links (by name) that name it."""

    model: str
    rules: list[Rule] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    @property
    def severity(self) -> str:
        return "error" if any(r.severity == "error" for r in self.rules) else "warn"

    def describe(self, thresholds_name: str, links_name: str) -> str:
        named = []
        if self.rules:
            ids = ", ".join(str(int(r.rule_id[1:])) for r in self.rules)
            named.append(f"{len(self.rules)} rule(s) of {thresholds_name} ({ids})")
        if self.links:
            named.append(f"{len(self.links)} link(s) of {links_name} ({', '.join(self.links)})")
        return (
            f"model {self.model} is named by {' and '.join(named)} but has no rows in "
            "metrics_daily: none of them ran (a model of another warehouse, or one that "
            "never logged a prediction here)"
        )


@dataclass(frozen=True)
class Declarations:
    thresholds: Thresholds
    links: Links
    dbt_vars: DbtVars
    contract: dict[str, SourceTable] = field(default_factory=source_tables)
    # What the marts publish (dbt column meta); empty until dbt has parsed
    # the project (with_catalog).
    catalog: MetricCatalog = field(default_factory=MetricCatalog)
    # Where the night's alerts go (the config folder's alerts.yml).
    alerts: Alerts = field(default_factory=Alerts)

    @property
    def window_days(self) -> int:
        """Days of metrics_daily the rules and checks judge, ending at its latest day."""
        return self.thresholds.settings.evaluation_window_days

    @property
    def min_label_coverage(self) -> float:
        return self.thresholds.settings.min_label_coverage

    def with_catalog(self, catalog: MetricCatalog) -> Declarations:
        """These declarations with the metric catalog, every metric a rule
        or a link names checked against it: a name no mart defines is a
        configuration error (exit 2) suggesting the closest one."""
        declared = replace(self, catalog=catalog)
        declared.check_metric_names()
        return declared

    def for_models(self, present: set[str]) -> tuple[Declarations, dict[str, AbsentModel]]:
        """These declarations without what names a model outside `present`
        (the models of metrics_daily), and per absent model what was
        dropped, so a run reports each absent model once instead of every
        rule and link of it as not evaluated."""
        absent: dict[str, AbsentModel] = {}

        def gone(model: str) -> AbsentModel | None:
            if model == "*" or model in present:
                return None
            return absent.setdefault(model, AbsentModel(model))

        rules = []
        for rule in self.thresholds.rules:
            if (entry := gone(rule.model)) is None:
                rules.append(rule)
            else:
                entry.rules.append(rule)
        links = []
        for link in self.links.links:
            missing = [m for m in dict.fromkeys((link.model.model, link.business.model)) if gone(m)]
            if not missing:
                links.append(link)
            for model in missing:
                absent[model].links.append(link.name)
        guardrails = []
        for pair in self.links.guardrails:
            models = (pair.engagement.model, pair.guardrail.model)
            missing = [m for m in dict.fromkeys(models) if gone(m)]
            if not missing:
                guardrails.append(pair)
            for model in missing:
                absent[model].links.append(
                    f"guardrail {pair.engagement.metric}~{pair.guardrail.metric}"
                )
        kept = replace(
            self,
            thresholds=replace(self.thresholds, rules=tuple(rules)),
            links=replace(self.links, links=tuple(links), guardrails=tuple(guardrails)),
        )
        return kept, absent

    def check_metric_names(self) -> None:
        names = sorted(self.catalog.known or self.catalog)
        for rule in self.thresholds.rules:
            if not self.catalog.defines(rule.metric):
                where = f"rule {int(rule.rule_id[1:])} ({rule.model} {rule.metric})"
                raise ConfigError(str(self.thresholds.path), _unknown(where, rule.metric, names))
        links = self.links
        series = [
            (f"link {link.name}", s) for link in links.links for s in (link.model, link.business)
        ]
        series += [
            (f"guardrail {pair.engagement.metric}~{pair.guardrail.metric}", s)
            for pair in links.guardrails
            for s in (pair.engagement, pair.guardrail)
        ]
        for where, one in series:
            staged = links.staged_fallback and has_staged_fallback(one.metric)
            if not (self.catalog.defines(one.metric) or staged):
                raise ConfigError(str(links.path), _unknown(where, one.metric, names))


def _unknown(where: str, metric: str, names: list[str]) -> str:
    """`where: no mart publishes ...`, with the closest published name."""
    close = difflib.get_close_matches(metric, names, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{where}: no mart publishes a metric {metric!r}{hint}"


def load(
    thresholds_file: Path | None = None,
    links_file: Path | None = None,
    source_schema: str | None = None,
    config_dir: Path | None = None,
    alerts_file: Path | None = None,
) -> Declarations:
    """Read and validate every declaration file; a bad one is exit 2. With
    `config_dir`, the files are that folder's (an explicit file wins; a
    folder without alerts.yml sends no alerts); without, the demo's
    (paths.THRESHOLDS_FILE, paths.LINKS_FILE, paths.ALERTS_FILE)."""
    alerts = None
    if config_dir is not None:
        thresholds_file = thresholds_file or config_dir / paths.THRESHOLDS_NAME
        links_file = links_file or config_dir / paths.LINKS_NAME
        if alerts_file is None and not (config_dir / paths.ALERTS_NAME).is_file():
            alerts = Alerts()
        alerts_file = alerts_file or config_dir / paths.ALERTS_NAME
    return Declarations(
        thresholds=load_thresholds(thresholds_file),
        links=load_links(links_file),
        dbt_vars=load_dbt_vars(paths.DBT_PROJECT_FILE, source_schema),
        alerts=alerts if alerts is not None else load_alerts(alerts_file),
    )


def for_build(source_schema: str | None = None) -> Declarations:
    """What the build half alone (`mpm build`, the build of `mpm init`)
    needs: the dbt vars and the contract, no rules or links, so a warehouse
    without a config can be built before `mpm init` learns one."""
    return Declarations(
        thresholds=Thresholds(rules=()),
        links=Links(links=(), guardrails=(), movement=MovementSettings()),
        dbt_vars=load_dbt_vars(paths.DBT_PROJECT_FILE, source_schema),
    )


def require_config(config_dir: Path, warehouse: Path, thresholds_file: Path | None = None) -> None:
    """A warehouse without a configuration is exit 2 with the command that
    writes one: the demo's bounds judge the demo's models, not a user's."""
    if thresholds_file is not None or (config_dir / paths.THRESHOLDS_NAME).is_file():
        return
    raise UsageError(
        f"no configuration for {warehouse}: {config_dir / paths.THRESHOLDS_NAME} does not "
        f"exist; write one with `mpm init --warehouse {warehouse}` (or point --config-dir "
        f"or {paths.CONFIG_DIR_ENV} at a config folder)"
    )
