"""The declared rules in the form dbt reads: one row per rule of the
thresholds file, each with the settings it is judged under (evaluation
window, Wilson z), so the verdict model `rule_verdicts_daily` computes the
same verdicts Great Expectations does without a copy made by hand; one row
per link and engagement guardrail of the links file, with its movement
settings, for `link_verdicts_daily` (the verdicts of checks/links.py); and
the KS false-discovery control (`checks.drift_fdr`) for
`drift_fdr_verdicts_daily` (those of checks/drift_fdr.py).

Two ways in, one content:
- `seeds/threshold_rules.csv`, `seeds/link_rules.csv` and
  `seeds/drift_fdr_rules.csv`, the committed compiled form of the
  project's declaration files, are what a plain `dbt build` (dbt Cloud,
  Airflow, a host project using this as a package) reads. `mpm
  compile-rules` rewrites them; a test fails when one is out of date
  (tests/test_rule_verdicts.py).
- `mpm run` hands dbt what it loaded as the vars of the same names
  whenever it differs from those seeds (`--thresholds other.yml`, a config
  folder of another warehouse), so the dbt tests always judge what the run
  declared.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_checks import paths
from python_checks.declare.links import Links, Series, has_staged_fallback, load_links
from python_checks.declare.thresholds import Thresholds, load_thresholds

SEEDS_DIR = paths.PROJECT_ROOT / "seeds"
DBT_VAR = "threshold_rules"
LINK_DBT_VAR = "link_rules"
DRIFT_FDR_DBT_VAR = "drift_fdr_rules"
COLUMNS = (
    "rule_id",
    "rule",
    "model",
    "metric",
    "checked_metric",
    "model_version",
    "segment",
    "feature",
    "min_value",
    "max_value",
    "bound",
    "severity",
    "min_sample_size",
    "min_label_coverage",
    "kind",
    "window_days",
    "reference_days",
    "proportion",
    "evaluation_window_days",
    "wilson_z",
    "policy",
)
LINK_COLUMNS = (
    "link_id",
    "check_name",
    "name",
    "rule",
    "severity",
    "model_name",
    "first_model",
    "first_metric",
    "first_better",
    "first_needs_labels",
    "first_min_sample_size",
    "first_staged",
    "second_model",
    "second_metric",
    "second_better",
    "second_needs_labels",
    "second_staged",
    "window_days",
    "min_days_per_window",
    "noise_z",
    "min_relative_change",
    "evaluation_window_days",
    "min_label_coverage",
)


def policy_text(rule) -> str | None:
    """The rule's alarm policy beyond its bound (persistence k of n, the
    AUC's sampling error, Benjamini-Hochberg across slices), or None. The
    SQL verdicts do not model these: rule_verdicts_daily marks such a rule's
    rows not evaluated, and `mpm run` (which judges them) leaves them out of
    its comparison of both paths."""
    parts = []
    if rule.persistence_n > 1:
        parts.append(f"persistence {rule.persistence_k} of {rule.persistence_n}")
    if rule.sampling_error != "none":
        parts.append(f"sampling error {rule.sampling_error}")
    if rule.fdr is not None:
        parts.append(f"fdr {rule.fdr:g}")
    return "; ".join(parts) or None


def compile_rules(thresholds: Thresholds) -> list[dict[str, Any]]:
    """One row per rule, in declaration order; numbers as Python numbers,
    a missing bound as None."""
    settings = thresholds.settings
    return [
        {
            "rule_id": rule.rule_id,
            "rule": rule.describe(),
            "model": rule.model,
            "metric": rule.metric,
            "checked_metric": rule.checked_metric,
            "model_version": rule.model_version,
            "segment": rule.segment,
            "feature": rule.feature,
            "min_value": rule.min,
            "max_value": rule.max,
            "bound": rule.bound_text(),
            "severity": rule.severity,
            "min_sample_size": rule.min_sample_size,
            "min_label_coverage": rule.min_label_coverage,
            "kind": rule.kind,
            "window_days": rule.window,
            "reference_days": rule.reference_days,
            "proportion": rule.proportion,
            "evaluation_window_days": settings.evaluation_window_days,
            "wilson_z": settings.wilson_z,
            "policy": policy_text(rule),
        }
        for rule in thresholds.rules
    ]


def compile_links(links: Links, thresholds: Thresholds) -> list[dict[str, Any]]:
    """One row per link, then one per engagement guardrail pair, in file
    order: the two series (the model and the business side; the engagement
    metric and its guardrail), their good directions and gates, and the
    movement settings. `*_staged`: the series may come from staged rows
    when metrics_daily lacks it (checks/links.py); the SQL leaves such a
    pair to `mpm run`."""
    movement = thresholds.settings

    def side(prefix: str, series: Series, min_sample_size: int) -> dict[str, Any]:
        return {
            f"{prefix}_model": series.model,
            f"{prefix}_metric": series.metric,
            f"{prefix}_better": series.better,
            f"{prefix}_needs_labels": series.needs_labels,
            f"{prefix}_staged": links.staged_fallback and has_staged_fallback(series.metric),
            **({f"{prefix}_min_sample_size": min_sample_size} if prefix == "first" else {}),
        }

    common = {
        "window_days": links.movement.window_days,
        "min_days_per_window": links.movement.min_days_per_window,
        "noise_z": float(links.movement.noise_z),
        "min_relative_change": float(links.movement.min_relative_change),
        "evaluation_window_days": movement.evaluation_window_days,
        "min_label_coverage": float(movement.min_label_coverage),
    }
    rows = [
        {
            "link_id": link.link_id,
            "check_name": "link",
            "name": link.name,
            "rule": link.describe(),
            "severity": links.severity,
            "model_name": link.model.model,
            **side("first", link.model, links.min_sample_size),
            **side("second", link.business, 0),
            **common,
        }
        for link in links.links
    ]
    rows += [
        {
            "link_id": pair.link_id,
            "check_name": "engagement_guardrail",
            "name": pair.name,
            "rule": pair.describe(),
            "severity": links.guardrail_severity,
            "model_name": pair.engagement.model,
            **side("first", pair.engagement, 0),
            **side("second", pair.guardrail, 0),
            **common,
        }
        for pair in links.guardrails
    ]
    return [{column: row[column] for column in LINK_COLUMNS} for row in rows]


def compile_drift_fdr(thresholds: Thresholds) -> list[dict[str, Any]]:
    """The Benjamini-Hochberg control over the window's KS tests
    (thresholds.yml `checks.drift_fdr`, checks/drift_fdr.py) as one row for
    drift_fdr_verdicts_daily; no row when it is not declared."""
    settings = thresholds.checks.drift_fdr
    if settings is None:
        return []
    return [
        {
            "rule_id": "fdr",
            "rule": f"KS drift discoveries, Benjamini-Hochberg at FDR {settings.fdr:g} over "
            f"the KS tests of the window (n >= {settings.min_sample_size}), material at KS >= "
            f"{settings.min_ks_statistic:g}",
            "severity": settings.severity,
            "fdr": float(settings.fdr),
            "min_ks_statistic": float(settings.min_ks_statistic),
            "min_sample_size": settings.min_sample_size,
            "evaluation_window_days": thresholds.settings.evaluation_window_days,
            "bound": f"BH FDR {settings.fdr:g}",
            "material_bound": f"BH FDR {settings.fdr:g}, KS >= {settings.min_ks_statistic:g}",
        }
    ]


DRIFT_FDR_COLUMNS = (
    "rule_id",
    "rule",
    "severity",
    "fdr",
    "min_ks_statistic",
    "min_sample_size",
    "evaluation_window_days",
    "bound",
    "material_bound",
)


@dataclass(frozen=True)
class Compiled:
    """One declaration in the form dbt reads: the seed `<name>.csv` a plain
    `dbt build` reads, or the var `<name>` a run passes when its own
    declarations differ from the seed."""

    name: str
    columns: tuple[str, ...]
    compile: Callable[[Thresholds, Links], list[dict[str, Any]]]

    def seed(self, seeds_dir: Path) -> Path:
        return seeds_dir / f"{self.name}.csv"

    def text(self, thresholds: Thresholds, links: Links) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.compile(thresholds, links):
            writer.writerow([_cell(row[column]) for column in self.columns])
        return out.getvalue()

    def is_current(self, thresholds: Thresholds, links: Links, seeds_dir: Path) -> bool:
        seed = self.seed(seeds_dir)
        return seed.exists() and seed.read_text() == self.text(thresholds, links)


COMPILED = (
    Compiled(DBT_VAR, COLUMNS, lambda thresholds, _links: compile_rules(thresholds)),
    Compiled(
        LINK_DBT_VAR, LINK_COLUMNS, lambda thresholds, links: compile_links(links, thresholds)
    ),
    Compiled(
        DRIFT_FDR_DBT_VAR,
        DRIFT_FDR_COLUMNS,
        lambda thresholds, _links: compile_drift_fdr(thresholds),
    ),
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return str(value)


def seeds_are_current(
    thresholds: Thresholds, links: Links, seeds_dir: Path = SEEDS_DIR
) -> list[str]:
    """The names of the committed seeds that do not hold these declarations
    (empty: all current)."""
    return [c.name for c in COMPILED if not c.is_current(thresholds, links, seeds_dir)]


def write_seed(
    thresholds_file: Path | None = None,
    links_file: Path | None = None,
    seeds_dir: Path = SEEDS_DIR,
) -> list[Path]:
    """Compile the thresholds and links files (default: the project's) into
    the seeds."""
    thresholds, links = load_thresholds(thresholds_file), load_links(links_file)
    written = []
    for compiled in COMPILED:
        seed = compiled.seed(seeds_dir)
        seed.write_text(compiled.text(thresholds, links))
        written.append(seed)
    return written


def var_text(thresholds_file: Path | None = None, links_file: Path | None = None) -> str:
    """The declarations as the vars threshold_rules, link_rules and
    drift_fdr_rules in YAML, for a host project's `vars:` (package mode
    judges its own declarations this way)."""
    import yaml

    thresholds, links = load_thresholds(thresholds_file), load_links(links_file)
    return yaml.safe_dump({c.name: c.compile(thresholds, links) for c in COMPILED}, sort_keys=False)


def dbt_vars_for(
    thresholds: Thresholds, links: Links, seeds_dir: Path = SEEDS_DIR
) -> dict[str, Any]:
    """The vars a run passes so dbt judges the declarations it loaded:
    nothing for one the committed seed already holds (the manifest cache
    key stays that of a plain `dbt build`)."""
    return {
        c.name: c.compile(thresholds, links)
        for c in COMPILED
        if not c.is_current(thresholds, links, seeds_dir)
    }
