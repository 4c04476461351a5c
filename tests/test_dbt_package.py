"""The project installed as a dbt package in someone else's project: a tiny
host project in a temp folder lists it in packages.yml (`local:` pointing at
this repository; `dbt deps` needs no network for local packages), configures
it only through vars (its own source schema, its own error costs), and
`dbt build` publishes metrics_daily in the host's warehouse, and fails on a
breach of a declared rule (rule_verdicts_daily and its data tests, from the
package's compiled rules or the host's var `threshold_rules`). Slow: a full
`dbt deps` + `dbt build`."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from python_checks import paths
from python_checks.declare.rules_seed import compile_rules
from python_checks.declare.thresholds import load_thresholds
from python_checks.warehouse import dbt as mpm_dbt
from tests.conftest import query, write_warehouse
from tests.fixtures.classification_data import classification_frames

pytestmark = pytest.mark.slow


def host_project(root: Path, warehouse: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text(
        textwrap.dedent(
            """\
            name: host_analytics
            version: "1.0.0"
            config-version: 2
            profile: host_analytics
            # The package is configured through vars only.
            vars:
              ml_product_metrics:
                source_schema: app_logs
                cost_false_positive: 1.0
                cost_false_negative: 3.0
                threshold_grid_step: 0.1
            """
        )
    )
    (root / "packages.yml").write_text(f"packages:\n  - local: {paths.PROJECT_ROOT.as_posix()}\n")
    (root / "profiles.yml").write_text(
        textwrap.dedent(
            f"""\
            host_analytics:
              target: dev
              outputs:
                dev:
                  type: duckdb
                  path: {warehouse.as_posix()}
                  schema: analytics
                  threads: 2
            """
        )
    )
    models = root / "models"
    models.mkdir(exist_ok=True)
    # The host's own model on top of the package's published interface.
    (models / "fraud_precision.sql").write_text(
        "select metric_date, metric_value as precision\n"
        "from {{ ref('ml_product_metrics', 'metrics_daily') }}\n"
        "where model_name = 'fraud_model' and model_version = '__all__'\n"
        "  and segment = '__all__' and metric_name = 'precision'\n"
    )
    return root


def dbt(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for key in ("DBT_TARGET_PATH", "DBT_LOG_PATH", "DBT_PROFILES_DIR", "DBT_PROJECT_DIR"):
        env.pop(key, None)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return subprocess.run(
        mpm_dbt.cli_command([*args, "--profiles-dir", str(root)]),
        cwd=root,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )


def test_installs_and_builds_as_a_package_configured_by_vars(tmp_path):
    warehouse = write_warehouse(
        tmp_path / "host.duckdb", classification_frames(), schema="app_logs"
    )
    root = host_project(tmp_path / "host", warehouse)

    deps = dbt(root, "deps")
    assert deps.returncode == 0, deps.stdout[-3000:]
    build = dbt(root, "build")
    assert build.returncode == 0, build.stdout[-3000:]

    precision = query(
        warehouse,
        "select count(*) as days, count(precision) as defined from analytics.fraud_precision",
    )
    assert precision["days"][0] == 5 and precision["defined"][0] >= 4
    # The host's costs (vars), not the package defaults, priced the curve. The
    # package's generate_schema_name puts its marts in `marts`, as at home.
    costs = query(
        warehouse,
        "select count(*) as n, "
        "count(*) filter (where abs(expected_cost - (false_positives + 3 * false_negatives))"
        " > 1e-9)"
        " as off, "
        "count(distinct round(threshold, 6)) as grid "
        "from marts.classification_threshold_curve",
    )
    assert costs["n"][0] > 0 and costs["off"][0] == 0
    assert costs["grid"][0] == 9  # threshold_grid_step 0.1: 0.1 .. 0.9 (default 0.05: 19)


def test_a_breach_of_a_declared_rule_fails_the_host_build(tmp_path):
    """The host's `dbt build` judges the package's declared rules (its
    compiled seed), and rules of its own passed as the var threshold_rules
    (compiled by `mpm compile-rules` or rules_seed.compile_rules): an
    error-severity breach fails the build naming the rule, a warn-severity
    one only warns."""
    warehouse = write_warehouse(
        tmp_path / "host.duckdb", classification_frames(), schema="app_logs"
    )
    root = host_project(tmp_path / "host", warehouse)
    assert dbt(root, "deps").returncode == 0

    default = dbt(root, "build")
    judged = query(warehouse, "select count(*) as n from marts.rule_verdicts_daily")
    rules = query(warehouse, "select count(distinct rule_id) as n from marts.rule_verdicts_daily")
    assert judged["n"][0] > 0
    assert rules["n"][0] == len(load_thresholds().rules)  # the package's rules, every one
    errors = query(
        warehouse,
        "select count(*) as n from marts.rule_verdicts_daily "
        "where verdict = 'breach' and severity = 'error'",
    )
    assert default.returncode == (1 if errors["n"][0] else 0), default.stdout[-3000:]

    strict = tmp_path / "strict.yml"
    strict.write_text(
        "rules:\n"
        "  - {model: fraud_model, metric: precision, min: 0.99, min_sample_size: 0}\n"
        "  - {model: fraud_model, metric: recall, min: 0.99, min_sample_size: 0, severity: warn}\n"
    )
    own_rules = json.dumps({"threshold_rules": compile_rules(load_thresholds(strict))})
    build = dbt(root, "build", "--vars", own_rules)
    assert build.returncode == 1, build.stdout[-3000:]
    assert "Failure in test declared_error_rules_hold" in build.stdout
    assert "error breach r001: fraud_model precision >= 0.99 on fraud_model __all__" in build.stdout
    assert "Warning in test declared_warn_rules_hold" in build.stdout
    breached = query(
        warehouse,
        "select distinct rule_id, model_name, bound from marts.rule_verdicts_daily "
        "where verdict = 'breach' order by rule_id",
    )
    assert breached.values.tolist() == [
        ["r001", "fraud_model", ">= 0.99"],
        ["r002", "fraud_model", ">= 0.99"],
    ]

    lenient = tmp_path / "lenient.yml"
    lenient.write_text("rules:\n  - {model: fraud_model, metric: precision, min: 0.0}\n")
    passing = json.dumps({"threshold_rules": compile_rules(load_thresholds(lenient))})
    assert dbt(root, "build", "--vars", passing).returncode == 0
