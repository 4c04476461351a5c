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
from python_checks.declare.links import Links, has_staged_fallback, load_links
from python_checks.declare.thresholds import Rule, Thresholds, load_thresholds
from python_checks.errors import ConfigError

__all__ = [
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


@dataclass(frozen=True)
class Declarations:
    thresholds: Thresholds
    links: Links
    dbt_vars: DbtVars
    contract: dict[str, SourceTable] = field(default_factory=source_tables)
    # What the marts publish (dbt column meta); empty until dbt has parsed
    # the project (with_catalog).
    catalog: MetricCatalog = field(default_factory=MetricCatalog)
    # Where the night's alerts go (expectations/alerts.yml).
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
    alerts_file: Path | None = None,
) -> Declarations:
    """Read and validate every declaration file; a bad one is exit 2."""
    return Declarations(
        thresholds=load_thresholds(thresholds_file),
        links=load_links(links_file),
        dbt_vars=load_dbt_vars(paths.DBT_PROJECT_FILE, source_schema),
        alerts=load_alerts(alerts_file),
    )
