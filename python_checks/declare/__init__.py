"""Every declaration of a run, loaded and validated once, before anything
runs: the thresholds and the Python checks' tolerances, the links between
the layers, the dbt vars, the source contract, and (once dbt has parsed the
project) the metric catalog. The checks and the report are handed this
object; none of them opens a declaration file again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from python_checks import paths
from python_checks.declare.catalog import MetricCatalog, MetricInfo
from python_checks.declare.contract import SourceTable, source_tables
from python_checks.declare.dbt_vars import DbtVars, load_dbt_vars
from python_checks.declare.links import Links, load_links
from python_checks.declare.thresholds import Rule, Thresholds, load_thresholds

__all__ = [
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

    @property
    def window_days(self) -> int:
        """Days of metrics_daily the rules and checks judge, ending at its latest day."""
        return self.thresholds.settings.evaluation_window_days

    @property
    def min_label_coverage(self) -> float:
        return self.thresholds.settings.min_label_coverage

    def with_catalog(self, catalog: MetricCatalog) -> Declarations:
        return replace(self, catalog=catalog)


def load(
    thresholds_file: Path | None = None,
    links_file: Path | None = None,
    source_schema: str | None = None,
) -> Declarations:
    """Read and validate every declaration file; a bad one is exit 2."""
    return Declarations(
        thresholds=load_thresholds(thresholds_file),
        links=load_links(links_file),
        dbt_vars=load_dbt_vars(paths.DBT_PROJECT_FILE, source_schema),
    )
