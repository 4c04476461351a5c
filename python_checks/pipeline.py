"""The nightly job: preflight → dbt build → Great Expectations → Python
checks → summary. Library functions that the CLI and the tests both call."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from python_checks import config, dbt_runner, gx_checks, paths, preflight
from python_checks.checks import REGISTRY, CheckContext
from python_checks.errors import ConfigError
from python_checks.links_config import load_links
from python_checks.metric_catalog import load_catalog
from python_checks.results import CheckResult, RunOutcome, Status
from python_checks.warehouse import connect, exclusive_run

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass
class RunOptions:
    warehouse: Path = field(default_factory=paths.warehouse_path)
    reports: Path = field(default_factory=paths.reports_dir)
    source_schema: str | None = None
    thresholds_file: Path | None = None
    full_refresh: bool = False
    quiet: bool = False


def run(options: RunOptions) -> RunOutcome:
    """Run the whole nightly job; raises UsageError (exit 2) on bad input or config."""
    thresholds = config.load_thresholds(options.thresholds_file)
    load_links()  # a broken links.yml is exit 2 before anything runs
    dbt_vars = config.dbt_vars()
    schema = options.source_schema or str(dbt_vars.get("source_schema", "raw"))
    if not _SCHEMA_NAME.match(schema):
        raise ConfigError("source_schema", f"{schema!r} is not a plain schema name")
    overrides = {"source_schema": schema} if options.source_schema else None
    outcome = RunOutcome()
    artifacts = options.reports / "dbt"
    with exclusive_run(options.warehouse):
        started = time.perf_counter()
        report = preflight.check_sources(options.warehouse, schema)
        for table, columns in report.extra_columns.items():
            outcome.results.append(
                CheckResult(
                    check="preflight",
                    status=Status.PASSED,
                    severity="warn",
                    message=f"{schema}.{table} has columns the contract does not know "
                    f"(ignored): {', '.join(columns)}",
                )
            )
        outcome.steps.append(("preflight", time.perf_counter() - started))

        started = time.perf_counter()
        outcome.extend(
            dbt_runner.build(
                options.warehouse,
                artifacts,
                dbt_vars=overrides,
                full_refresh=options.full_refresh,
                quiet=options.quiet,
            )
        )
        outcome.steps.append(("dbt build", time.perf_counter() - started))

        started = time.perf_counter()
        catalog = load_catalog(artifacts / "target" / "manifest.json")
        metrics = read_metrics(options.warehouse)
        gx_results, docs_index = gx_checks.evaluate(
            metrics, thresholds, catalog, options.reports / "data_docs"
        )
        outcome.extend(gx_results)
        outcome.data_docs_index = docs_index
        outcome.steps.append(("great expectations", time.perf_counter() - started))

        started = time.perf_counter()
        con = connect(options.warehouse, read_only=True)
        try:
            ctx = CheckContext(con=con, thresholds=thresholds, dbt_vars=dbt_vars)
            for check in REGISTRY:
                outcome.extend(check(ctx))
        finally:
            con.close()
        outcome.steps.append(("python checks", time.perf_counter() - started))
    write_results(outcome, options.reports / "run_results.json")
    return outcome


def read_metrics(warehouse: Path) -> pd.DataFrame:
    """All of metrics_daily: one row per metric per day, small by design."""
    con = connect(warehouse, read_only=True)
    try:
        return con.execute(
            "select * from main.metrics_daily "
            "order by metric_date, model_name, model_version, segment, metric_name, feature_name"
        ).df()
    finally:
        con.close()


def write_results(outcome: RunOutcome, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "exit_code": outcome.exit_code,
        "data_docs_index": outcome.data_docs_index,
        "steps": outcome.steps,
        "results": [r.to_dict() for r in outcome.results],
    }
    path.write_text(json.dumps(payload, indent=1, default=str))
