"""The declared rules in the form dbt reads: one row per rule of the
thresholds file, each with the settings it is judged under (evaluation
window, Wilson z), so the verdict model `rule_verdicts_daily` computes the
same verdicts Great Expectations does without a copy made by hand.

Two ways in, one content:
- `seeds/threshold_rules.csv`, the committed compiled form of the project's
  thresholds file, is what a plain `dbt build` (dbt Cloud, Airflow, a host
  project using this as a package) reads. `mpm compile-rules` rewrites it;
  a test fails when it is out of date (tests/test_rule_verdicts.py).
- `mpm run` hands dbt the rules it loaded as the var `threshold_rules`
  whenever they differ from that seed (`--thresholds other.yml`, a config
  chosen elsewhere), so the dbt tests always judge what the run declared.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from python_checks import paths
from python_checks.declare.thresholds import Thresholds, load_thresholds

SEED_FILE = paths.PROJECT_ROOT / "seeds" / "threshold_rules.csv"
DBT_VAR = "threshold_rules"
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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return str(value)


def seed_text(thresholds: Thresholds) -> str:
    """The CSV dbt loads as the seed `threshold_rules`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in compile_rules(thresholds):
        writer.writerow([_cell(row[column]) for column in COLUMNS])
    return out.getvalue()


def seed_is_current(thresholds: Thresholds, seed: Path = SEED_FILE) -> bool:
    """Whether the committed seed holds exactly these rules."""
    return seed.exists() and seed.read_text() == seed_text(thresholds)


def write_seed(thresholds_file: Path | None = None, seed: Path = SEED_FILE) -> Path:
    """Compile the thresholds file (default: the project's) into the seed."""
    seed.write_text(seed_text(load_thresholds(thresholds_file)))
    return seed


def var_text(thresholds_file: Path | None = None) -> str:
    """The rules as the var `threshold_rules` in YAML, for a host project's
    `vars:` (package mode judges its own rules this way)."""
    import yaml

    rules = compile_rules(load_thresholds(thresholds_file))
    return yaml.safe_dump({DBT_VAR: rules}, sort_keys=False)


def dbt_vars_for(thresholds: Thresholds, seed: Path = SEED_FILE) -> dict[str, Any]:
    """The var a run passes so dbt judges the rules it loaded: nothing when
    the committed seed already holds them (the manifest cache key stays
    that of a plain `dbt build`)."""
    if seed_is_current(thresholds, seed):
        return {}
    return {DBT_VAR: compile_rules(thresholds)}
