"""ml-product-metrics in Dagster: the dbt models as assets (dagster-dbt), the
declared threshold rules and the links between the layers as blocking asset
checks on `metrics_daily`, and a downstream asset that an error-severity
breach keeps from being materialized.

The checks call the package's API (`python_checks.nightly.check`, the second
half of `mpm run` on the warehouse the dbt assets just built), not the CLI
in a subprocess: one evaluation yields both checks, with the same results,
Data Docs, report, alerts and run_results.json as a night of `mpm run`.

    WAREHOUSE_PATH=/data/wh.duckdb dagster dev -f examples/dagster/definitions.py

(`make install-examples` installs dagster and dagster-dbt;
`make test-examples` materializes these definitions on a demo warehouse.)
"""

# No `from __future__ import annotations`: Dagster reads the context
# parameter's annotation as a type.
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets, get_asset_key_for_model

from python_checks import declare, nightly, paths
from python_checks.checks.links import CHECK as LINK_CHECK
from python_checks.checks.links import GUARDRAIL_CHECK
from python_checks.results import CheckResult, Status
from python_checks.warehouse.dbt import DECLARED_RULE_TESTS

# Each asset check and the checks of the package it reports.
ASSET_CHECKS = {
    "thresholds": ("threshold",),
    "links": (LINK_CHECK, GUARDRAIL_CHECK),
}


def _check_result(asset: dg.AssetKey, name: str, results: list[CheckResult]) -> dg.AssetCheckResult:
    """One asset check from the package's results: fails on any breach; an
    error-severity breach is an ERROR, which blocks downstream assets. A
    check with nothing evaluated fails as WARN: never a quiet pass."""
    breached = [r for r in results if r.status is Status.BREACHED]
    errors = [r for r in breached if r.severity == "error"]
    evaluated = [r for r in results if r.status is not Status.NOT_EVALUATED]
    passed = bool(evaluated) and not breached
    slices = sorted(
        {f"{r.model} {r.metric} {r.model_version or ''} {r.segment or ''} {r.bound}".strip()
         for r in breached}
    )  # fmt: skip
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=name,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        metadata={
            "results": len(results),
            "breached": len(breached),
            "error_breaches": len(errors),
            "not_evaluated": sum(r.status is Status.NOT_EVALUATED for r in results),
            "breached_slices": dg.MetadataValue.json(slices[:50]),
        },
    )


def _dbt_executable() -> str:
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else shutil.which("dbt") or "dbt"


def build_definitions(
    warehouse: Path | None = None,
    reports: Path | None = None,
    thresholds_file: Path | None = None,
    target_path: Path | None = None,
    config_dir: Path | None = None,
) -> dg.Definitions:
    """The Definitions for one warehouse. dbt reads WAREHOUSE_PATH (profiles.yml),
    so it is set here for the dbt subprocess too. `config_dir` is the
    warehouse's config folder (default as `mpm run`: MPM_CONFIG_DIR, else
    `<warehouse stem>.mpm/` beside it)."""
    warehouse = (warehouse or paths.warehouse_path()).resolve()
    reports = (reports or paths.reports_dir()).resolve()
    os.environ["WAREHOUSE_PATH"] = str(warehouse)
    project = DbtProject(
        project_dir=paths.PROJECT_ROOT,
        profiles_dir=paths.PROJECT_ROOT,
        target_path=target_path or paths.PROJECT_ROOT / "target" / "dagster",
    )
    # dbt from this interpreter's environment (the venv need not be on PATH).
    dbt_resource = DbtCliResource(project_dir=project, dbt_executable=_dbt_executable())
    # `dbt parse`: the manifest the assets are read from.
    dbt_resource.cli(["parse"], target_path=project.target_path, manifest={}).wait()
    # The same vars `mpm run` passes dbt (declared once, in dbt_project.yml).
    dbt_vars = declare.for_build().dbt_vars.overrides

    # The declared rules' two dbt tests are left to the `thresholds` asset
    # check, as `mpm run` leaves them to Great Expectations: a breach then
    # fails that check (and blocks what is downstream), not the dbt step.
    @dbt_assets(
        manifest=project.manifest_path,
        exclude=" ".join(["resource_type:unit_test", *DECLARED_RULE_TESTS]),
    )
    def ml_product_metrics_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        args = ["build", "--exclude-resource-type", "unit_test"]
        if dbt_vars:
            args += ["--vars", json.dumps(dbt_vars)]
        yield from dbt.cli(args, context=context).stream()

    # The dbt translator's key for the model (its schema and name, e.g. main/metrics_daily).
    metrics_daily = get_asset_key_for_model([ml_product_metrics_dbt], "metrics_daily")

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                "thresholds",
                asset=metrics_daily,
                blocking=True,
                description="the config folder's thresholds.yml, through Great Expectations",
            ),
            dg.AssetCheckSpec(
                "links",
                asset=metrics_daily,
                blocking=True,
                description="the links between the layers (the config folder's links.yml)",
            ),
        ],
    )
    def mpm_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        outcome = nightly.check(
            nightly.RunOptions(
                warehouse=warehouse,
                reports=reports,
                thresholds_file=thresholds_file,
                config_dir=config_dir,
                quiet=True,
            )
        )
        context.log.info(f"report: {outcome.report_path}; Data Docs: {outcome.data_docs_index}")
        for name, checks in ASSET_CHECKS.items():
            yield _check_result(
                metrics_daily, name, [r for r in outcome.results if r.check in checks]
            )

    @dg.asset(deps=[metrics_daily], description="metrics_daily as Parquet for dashboards")
    def metrics_daily_export() -> dg.MaterializeResult:
        """What a downstream consumer reads: materialized only when no blocking
        check of metrics_daily failed with an error."""
        import duckdb

        target = reports / "metrics_daily.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            quoted = str(target).replace("'", "''")
            con.execute(f"copy main.metrics_daily to '{quoted}' (format parquet)")
            rows = con.execute("select count(*) from main.metrics_daily").fetchone()[0]
        return dg.MaterializeResult(metadata={"rows": rows, "path": str(target)})

    return dg.Definitions(
        assets=[ml_product_metrics_dbt, metrics_daily_export],
        asset_checks=[mpm_checks],
        resources={"dbt": dbt_resource},
    )


@dg.definitions
def defs() -> dg.Definitions:
    """`dagster dev -f examples/dagster/definitions.py`: the warehouse of
    WAREHOUSE_PATH (loaded lazily, so importing this module parses nothing)."""
    return build_definitions()
