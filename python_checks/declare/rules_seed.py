"""The declared rules in the form dbt reads: one row per rule of the
thresholds file, each with the settings it is judged under (evaluation
window, Wilson z), so the verdict model `rule_verdicts_daily` computes the
same verdicts Great Expectations does without a copy made by hand; and one
row per link and engagement guardrail of the links file, with its movement
settings, for `link_verdicts_daily` (the same verdicts as
python_checks/checks/links.py).

Two ways in, one content:
- `seeds/threshold_rules.csv` and `seeds/link_rules.csv`, the committed
  compiled form of the project's declaration files, are what a plain `dbt
  build` (dbt Cloud, Airflow, a host project using this as a package)
  reads. `mpm compile-rules` rewrites them; a test fails when one is out of
  date (tests/test_rule_verdicts.py, tests/test_link_verdicts.py).
- `mpm run` hands dbt the rules it loaded as the vars `threshold_rules` /
  `link_rules` whenever they differ from those seeds (`--thresholds
  other.yml`, a config folder of another warehouse), so the dbt tests
  always judge what the run declared.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from python_checks import paths
from python_checks.declare.links import Links, Series, has_staged_fallback, load_links
from python_checks.declare.thresholds import Thresholds, load_thresholds

SEED_FILE = paths.PROJECT_ROOT / "seeds" / "threshold_rules.csv"
DBT_VAR = "threshold_rules"
LINK_SEED_FILE = paths.PROJECT_ROOT / "seeds" / "link_rules.csv"
LINK_DBT_VAR = "link_rules"
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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return str(value)


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in columns])
    return out.getvalue()


def seed_text(thresholds: Thresholds) -> str:
    """The CSV dbt loads as the seed `threshold_rules`."""
    return _csv_text(COLUMNS, compile_rules(thresholds))


def link_seed_text(links: Links, thresholds: Thresholds) -> str:
    """The CSV dbt loads as the seed `link_rules`."""
    return _csv_text(LINK_COLUMNS, compile_links(links, thresholds))


def seed_is_current(thresholds: Thresholds, seed: Path = SEED_FILE) -> bool:
    """Whether the committed seed holds exactly these rules."""
    return seed.exists() and seed.read_text() == seed_text(thresholds)


def link_seed_is_current(links: Links, thresholds: Thresholds, seed: Path = LINK_SEED_FILE) -> bool:
    """Whether the committed link seed holds exactly these links."""
    return seed.exists() and seed.read_text() == link_seed_text(links, thresholds)


def write_seed(
    thresholds_file: Path | None = None,
    seed: Path = SEED_FILE,
    links_file: Path | None = None,
    link_seed: Path = LINK_SEED_FILE,
) -> list[Path]:
    """Compile the thresholds and links files (default: the project's) into
    the two seeds."""
    thresholds = load_thresholds(thresholds_file)
    seed.write_text(seed_text(thresholds))
    link_seed.write_text(link_seed_text(load_links(links_file), thresholds))
    return [seed, link_seed]


def var_text(thresholds_file: Path | None = None, links_file: Path | None = None) -> str:
    """The rules and links as the vars `threshold_rules` and `link_rules`
    in YAML, for a host project's `vars:` (package mode judges its own
    declarations this way)."""
    import yaml

    thresholds = load_thresholds(thresholds_file)
    return yaml.safe_dump(
        {
            DBT_VAR: compile_rules(thresholds),
            LINK_DBT_VAR: compile_links(load_links(links_file), thresholds),
        },
        sort_keys=False,
    )


def dbt_vars_for(
    thresholds: Thresholds,
    links: Links | None = None,
    seed: Path = SEED_FILE,
    link_seed: Path = LINK_SEED_FILE,
) -> dict[str, Any]:
    """The vars a run passes so dbt judges the rules (and links) it loaded:
    nothing for a declaration the committed seed already holds (the
    manifest cache key stays that of a plain `dbt build`)."""
    passed: dict[str, Any] = {}
    if not seed_is_current(thresholds, seed):
        passed[DBT_VAR] = compile_rules(thresholds)
    if links is not None and not link_seed_is_current(links, thresholds, link_seed):
        passed[LINK_DBT_VAR] = compile_links(links, thresholds)
    return passed
