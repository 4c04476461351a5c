"""The nightly job: preflight → dbt build → Great Expectations → Python
checks → summary. Library functions that the CLI and the tests both call."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from python_checks import config, dbt_runner, gx_checks, paths, preflight
from python_checks.checks import REGISTRY, CheckContext
from python_checks.engine import Engine, is_spark, open_engine, spark_run_dir
from python_checks.errors import ConfigError
from python_checks.links_config import load_links
from python_checks.metric_catalog import load_catalog
from python_checks.results import CheckResult, RunOutcome, Status
from python_checks.warehouse import ensure_writable, exclusive_run


@dataclass
class RunOptions:
    warehouse: Path = field(default_factory=paths.warehouse_path)
    reports: Path = field(default_factory=paths.reports_dir)
    source_schema: str | None = None
    thresholds_file: Path | None = None
    full_refresh: bool = False
    quiet: bool = False
    batch_days: int | None = None  # a first backfill of a large history, in batches


def run(options: RunOptions) -> RunOutcome:
    """Run the whole nightly job; raises UsageError (exit 2) on bad input or config."""
    thresholds = config.load_thresholds(options.thresholds_file)
    load_links()  # a broken links.yml is exit 2 before anything runs
    dbt_vars = config.dbt_vars()
    config.validate_dbt_vars(dbt_vars)
    schema = options.source_schema or str(dbt_vars.get("source_schema", "raw"))
    if not config.SCHEMA_NAME.match(schema):
        raise ConfigError("source_schema", f"{schema!r} is not a plain schema name")
    overrides = {"source_schema": schema} if options.source_schema else None
    outcome = RunOutcome()
    artifacts = options.reports / "dbt"
    if not is_spark():
        ensure_writable(options.warehouse)
    with exclusive_run(run_lock_target(options.warehouse)):
        started = time.perf_counter()
        # On Spark this creates the session that dbt (in-process) and every
        # later step share; on DuckDB it is a read-only connection, closed
        # before dbt writes the file.
        engine = open_engine(options.warehouse)
        try:
            report = preflight.check_sources(engine, schema)
        finally:
            if not is_spark():
                engine.close()
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
        if options.batch_days is not None:
            built = dbt_runner.backfill(
                options.warehouse,
                artifacts,
                options.batch_days,
                dbt_vars=overrides,
                quiet=options.quiet,
            )
        else:
            built = dbt_runner.build(
                options.warehouse,
                artifacts,
                dbt_vars=overrides,
                full_refresh=options.full_refresh,
                quiet=options.quiet,
                in_process=is_spark(),
            )
        outcome.extend(built)
        outcome.steps.append(("dbt build", time.perf_counter() - started))

        if not is_spark():
            engine = open_engine(options.warehouse)
        if not engine.table_exists("main", "metrics_daily"):
            engine.close()
            outcome.results.append(
                CheckResult(
                    check="pipeline",
                    status=Status.NOT_EVALUATED,
                    severity="error",
                    message="metrics_daily was not built, so no threshold or Python check ran",
                )
            )
            write_results(outcome, options.reports / "run_results.json")
            return outcome
        try:
            started = time.perf_counter()
            catalog = load_catalog(artifacts / "target" / "manifest.json")
            metrics = read_metrics(engine)
            gx_results, docs_index = gx_checks.evaluate(
                metrics, thresholds, catalog, options.reports / "data_docs", spark=engine.spark
            )
            outcome.extend(gx_results)
            outcome.data_docs_index = docs_index
            outcome.steps.append(("great expectations", time.perf_counter() - started))

            started = time.perf_counter()
            ctx = CheckContext(engine=engine, thresholds=thresholds, dbt_vars=dbt_vars)
            # A bar on a terminal (none in CI logs or with --quiet).
            bar = tqdm(REGISTRY, desc="python checks", unit="check", disable=options.quiet or None)
            for check in bar:
                bar.set_postfix_str(check.__name__)
                outcome.extend(check(ctx))
            outcome.steps.append(("python checks", time.perf_counter() - started))
        finally:
            engine.close()

        started = time.perf_counter()
        try:
            write_report(options, outcome, thresholds, dbt_vars, overrides, catalog, metrics)
        except Exception as exc:  # the report renders results; it never decides the night
            outcome.results.append(
                CheckResult(
                    check="report",
                    status=Status.NOT_EVALUATED,
                    severity="warn",
                    message=f"the HTML report could not be written: {type(exc).__name__}: {exc}",
                )
            )
        outcome.steps.append(("report", time.perf_counter() - started))
    write_results(outcome, options.reports / "run_results.json")
    return outcome


def write_report(
    options: RunOptions,
    outcome: RunOutcome,
    thresholds: config.Thresholds,
    dbt_vars: dict,
    overrides: dict | None,
    catalog: dict,
    metrics: pd.DataFrame,
) -> None:
    """dbt docs into <reports>/dbt_docs, then <reports>/report.html; sets
    outcome.report_path. Rendering only: it adds no check result."""
    from python_checks import report

    docs_index = dbt_runner.docs_generate(
        options.warehouse,
        options.reports / "dbt",
        options.reports / "dbt_docs",
        dbt_vars=overrides,
        quiet=True,
    )
    inputs = report.ReportInput(
        metrics=metrics,
        results=outcome.results,
        thresholds=thresholds,
        threshold_curve=report.read_threshold_curve(
            options.warehouse, float(thresholds.settings.get("min_label_coverage", 0.0))
        ),
        metric_marts={name: info.mart for name, info in catalog.items()},
        warehouse=str(options.warehouse),
        data_docs_index=outcome.data_docs_index,
        dbt_docs_index=str(docs_index or ""),
        run_results=str(options.reports / "run_results.json"),
        costs={k: dbt_vars.get(k) for k in ("cost_false_positive", "cost_false_negative")},
    )
    path = report.write_report(inputs, options.reports / "report.html")
    outcome.report_path = str(path)


def read_metrics(engine: Engine) -> pd.DataFrame:
    """All of metrics_daily from the active engine: one row per metric per
    day, small by design, with the same dtypes whichever engine built it."""
    frame = engine.query(
        "select * from main.metrics_daily "
        "order by metric_date, model_name, model_version, segment, metric_name, feature_name"
    )
    frame["metric_date"] = pd.to_datetime(frame["metric_date"])
    frame["metric_value"] = frame["metric_value"].astype("float64")
    return frame


def run_lock_target(warehouse: Path) -> Path:
    """What the run lock guards: the DuckDB file, or on Spark the run's
    MPM_SPARK_DIR (its Derby metastore admits one process)."""
    if is_spark():
        spark_dir = spark_run_dir()
        spark_dir.mkdir(parents=True, exist_ok=True)
        return spark_dir / "metastore"
    return warehouse


def write_results(outcome: RunOutcome, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "exit_code": outcome.exit_code,
        "data_docs_index": outcome.data_docs_index,
        "report_path": outcome.report_path,
        "steps": outcome.steps,
        "results": [r.to_dict() for r in outcome.results],
    }
    path.write_text(json.dumps(payload, indent=1, default=str))
