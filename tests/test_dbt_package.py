"""The project installed as a dbt package in someone else's project: a tiny
host project in a temp folder lists it in packages.yml (`local:` pointing at
this repository; `dbt deps` needs no network for local packages), configures
it only through vars (its own source schema, its own error costs), and
`dbt build` publishes metrics_daily in the host's warehouse. Slow: a full
`dbt deps` + `dbt build`."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from python_checks import paths
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
