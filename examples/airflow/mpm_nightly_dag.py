"""ml-product-metrics as an Airflow DAG with Astronomer Cosmos: the dbt
models as a task group (one task per model, its data tests after it), then
the package's checks on the built warehouse, then what is downstream of
metrics_daily, which an error-severity breach stops.

Not run in CI (Airflow and Cosmos are not in any of the project's locks; the
Dagster example beside it is the tested one). To use it, install
`apache-airflow` and `astronomer-cosmos` next to this package, set
MPM_PROJECT_DIR to this repository and WAREHOUSE_PATH to the warehouse, and
put this file in the DAGs folder.

The checks call the package's API (`python_checks.nightly.check`), not the
`mpm` CLI in a shell: the same results, Data Docs, report, alerts and
run_results.json as a night of `mpm run`; exit code 1 (an error-severity
breach) fails the task, so the downstream task does not run.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

from airflow.decorators import dag, task
from airflow.exceptions import AirflowFailException
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import TestBehavior

PROJECT_DIR = Path(os.environ.get("MPM_PROJECT_DIR", Path(__file__).resolve().parents[2]))
WAREHOUSE = Path(os.environ.get("WAREHOUSE_PATH", PROJECT_DIR / ".warehouse" / "demo.duckdb"))
REPORTS = Path(os.environ.get("MPM_REPORTS_DIR", PROJECT_DIR / "reports"))
DBT = str(Path(sys.executable).parent / "dbt")  # dbt-core of this environment


@dag(schedule="@daily", start_date=datetime(2026, 1, 1), catchup=False, tags=["data-quality"])
def ml_product_metrics():
    dbt_models = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(PROJECT_DIR),
        # The project's own profiles.yml (DuckDB; WAREHOUSE_PATH names the file).
        profile_config=ProfileConfig(
            profile_name="ml_product_metrics",
            target_name="duckdb",
            profiles_yml_filepath=PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(dbt_executable_path=DBT),
        # each model's data tests right after it (Cosmos' default, said here)
        render_config=RenderConfig(test_behavior=TestBehavior.AFTER_EACH),
        operator_args={"env": {"WAREHOUSE_PATH": str(WAREHOUSE)}, "append_env": True},
    )

    @task
    def mpm_checks() -> dict:
        """The rules through Great Expectations and the Python checks (links,
        consistency, drift FDR) on what dbt built."""
        from python_checks import nightly
        from python_checks.report import summary

        options = nightly.RunOptions(warehouse=WAREHOUSE, reports=REPORTS, quiet=True)
        outcome = nightly.check(options)
        print(summary.render(outcome, str(WAREHOUSE)))
        if outcome.exit_code:
            raise AirflowFailException(f"error-severity breach(es); report: {outcome.report_path}")
        return {"report": outcome.report_path, "data_docs": outcome.data_docs_index}

    @task
    def metrics_daily_export(_checked: dict) -> str:
        """Downstream of metrics_daily: runs only when the checks held."""
        import duckdb

        target = REPORTS / "metrics_daily.parquet"
        quoted = str(target).replace("'", "''")
        with duckdb.connect(str(WAREHOUSE), read_only=True) as con:
            con.execute(f"copy main.metrics_daily to '{quoted}' (format parquet)")
        return str(target)

    checked = mpm_checks()
    dbt_models >> checked
    metrics_daily_export(checked)


ml_product_metrics()
