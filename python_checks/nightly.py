"""The nightly job, as declare → run → report:

1. declare: every declaration file loaded and validated once (declare/);
2. run, on one engine (warehouse/) under its run lock: the preflight of the
   sources against the contract, `dbt build` in this process, metrics_daily
   read once, the declared rules through Great Expectations, the Python
   checks (checks/);
3. report: the static HTML report beside the Data Docs and the dbt docs,
   and run_results.json; the CLI prints the terminal summary.

Library functions that the CLI and the tests both call.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from python_checks import declare, paths
from python_checks.checks import REGISTRY, CheckContext
from python_checks.checks import thresholds as threshold_checks
from python_checks.declare import Declarations
from python_checks.declare.catalog import catalog_from_manifest
from python_checks.report import data_docs
from python_checks.results import CheckResult, RunOutcome, Status
from python_checks.warehouse import preflight
from python_checks.warehouse.dbt import Dbt
from python_checks.warehouse.engine import Engine, open_engine


@dataclass
class RunOptions:
    warehouse: Path = field(default_factory=paths.warehouse_path)
    reports: Path = field(default_factory=paths.reports_dir)
    source_schema: str | None = None
    thresholds_file: Path | None = None
    # The warehouse's config folder (thresholds.yml, links.yml); None:
    # MPM_CONFIG_DIR, else the default beside the warehouse (paths.config_dir).
    config_dir: Path | None = None
    full_refresh: bool = False
    quiet: bool = False
    batch_days: int | None = None  # a first backfill of a large history, in batches


@contextlib.contextmanager
def _step(outcome: RunOutcome, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        outcome.steps.append((name, time.perf_counter() - started))


def run(options: RunOptions) -> RunOutcome:
    """Run the whole nightly job; raises UsageError (exit 2) on bad input or config."""
    return _job(options, checks=True)


def build(options: RunOptions) -> RunOutcome:
    """The job's first half alone (`mpm build`): the preflight and dbt, with
    the data tests' outcomes; no Great Expectations, checks or report."""
    return _job(options, checks=False)


def load_declarations(options: RunOptions) -> Declarations:
    """The run's declarations from the warehouse's config folder; none
    there is exit 2 saying how to write one (`mpm init`)."""
    folder = paths.config_dir(options.warehouse, options.config_dir)
    declare.require_config(folder, options.warehouse, options.thresholds_file)
    return declare.load(
        options.thresholds_file, source_schema=options.source_schema, config_dir=folder
    )


def _job(options: RunOptions, checks: bool) -> RunOutcome:
    declarations = (
        load_declarations(options) if checks else declare.for_build(options.source_schema)
    )
    engine = open_engine(options.warehouse)
    engine.check_writable()
    outcome = RunOutcome()
    # Started before any thread (or the run lock, whose descriptor a fork
    # would share): where the checkpoint will run, already importing GE.
    runner = threshold_checks.Runner.start(engine) if checks else None
    try:
        warm_up = None
        if checks:
            # The chart compiler's runtime starts beside dbt (it releases
            # the GIL): the report then compiles its charts without waiting.
            warm_up = threading.Thread(target=_warm_up_charts, daemon=True)
            warm_up.start()
        with engine.run_lock():
            try:
                dbt = Dbt(
                    engine, options.reports / "dbt", declarations.dbt_vars.overrides, options.quiet
                )
                if checks:
                    # Every metric a rule or link names must exist before
                    # anything runs: the parsed project knows them.
                    catalog = catalog_from_manifest(dbt.manifest())
                    declarations = declarations.with_catalog(catalog)
                _build(options, declarations, engine, outcome, dbt)
                if checks:
                    _check(options, declarations, engine, outcome, dbt, warm_up, runner)
            finally:
                engine.close()
    finally:
        if runner is not None:
            runner.close()
    write_results(outcome, options.reports / "run_results.json")
    return outcome


def _warm_up_charts() -> None:
    from python_checks.report import charts

    with contextlib.suppress(Exception):  # the report itself reports a broken compiler
        charts.warm_up()


def _build(
    options: RunOptions,
    declarations: Declarations,
    engine: Engine,
    outcome: RunOutcome,
    dbt: Dbt,
) -> None:
    """The preflight of the sources, then dbt: build, or the batched backfill."""
    schema = declarations.dbt_vars.source_schema
    with _step(outcome, "preflight"):
        report = preflight.check_sources(engine, schema, declarations.contract)
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
    with _step(outcome, "dbt build"):
        if options.batch_days is not None:
            outcome.extend(dbt.backfill(options.batch_days, schema))
        else:
            outcome.extend(dbt.build(full_refresh=options.full_refresh))


def _check(
    options: RunOptions,
    declarations: Declarations,
    engine: Engine,
    outcome: RunOutcome,
    dbt: Dbt,
    warm_up: threading.Thread,
    runner: threshold_checks.Runner,
) -> None:
    """metrics_daily read once, the rules through Great Expectations, the
    Python checks, the report."""
    if not engine.table_exists("main", "metrics_daily"):
        outcome.results.append(
            CheckResult(
                check="pipeline",
                status=Status.NOT_EVALUATED,
                severity="error",
                message="metrics_daily was not built, so no threshold or Python check ran",
            )
        )
        return

    metrics = engine.metrics()
    declarations = absent_models(declarations, metrics, outcome)
    with _step(outcome, "great expectations"):
        results, outcome.data_docs_index = threshold_checks.evaluate(
            metrics, declarations, runner, options.reports / "data_docs"
        )
        outcome.extend(results)
        if outcome.data_docs_index:
            data_docs.make_offline(options.reports / "data_docs")

    with _step(outcome, "python checks"):
        context = CheckContext(engine=engine, declarations=declarations, metrics=metrics)
        # A bar on a terminal (none in CI logs or with --quiet).
        bar = tqdm(REGISTRY, desc="python checks", unit="check", disable=options.quiet or None)
        for check in bar:
            bar.set_postfix_str(check.__name__)
            outcome.extend(check(context))

    with _step(outcome, "report"):
        warm_up.join()
        try:
            write_report(options, outcome, declarations, metrics, dbt, engine)
        except Exception as exc:  # the report renders results; it never decides the night
            outcome.results.append(
                CheckResult(
                    check="report",
                    status=Status.NOT_EVALUATED,
                    severity="warn",
                    message=f"the HTML report could not be written: {type(exc).__name__}: {exc}",
                )
            )


def absent_models(
    declarations: Declarations, metrics: pd.DataFrame, outcome: RunOutcome
) -> Declarations:
    """The declarations without the rules and links of models metrics_daily
    does not hold; each such model is one not-evaluated line in `outcome`."""
    present = set(metrics["model_name"].dropna().unique()) if not metrics.empty else set()
    kept, absent = declarations.for_models(present)
    thresholds = declarations.thresholds.path
    links = declarations.links.path
    for model in sorted(absent):
        entry = absent[model]
        outcome.results.append(
            CheckResult.not_evaluated(
                "config",
                entry.severity,
                entry.describe(
                    thresholds.name if thresholds else "thresholds.yml",
                    links.name if links else "links.yml",
                ),
                model=model,
                details={"rules": [r.rule_id for r in entry.rules], "links": entry.links},
            )
        )
    return kept


def write_report(
    options: RunOptions,
    outcome: RunOutcome,
    declarations: Declarations,
    metrics: pd.DataFrame,
    dbt: Dbt,
    engine: Engine,
) -> None:
    """The dbt docs (when the project changed) into <reports>/dbt_docs, then
    <reports>/report.html; sets outcome.report_path. Rendering only: it adds
    no check result."""
    from python_checks import report

    docs_index = dbt.docs(options.reports / "dbt_docs")
    inputs = report.ReportInput(
        metrics=metrics,
        results=outcome.results,
        declarations=declarations,
        threshold_curve=engine.threshold_curve(declarations.min_label_coverage),
        drift_verdicts=engine.drift_verdicts(),
        backtest=engine.backtest_alarms(),
        warehouse=str(options.warehouse),
        data_docs_index=outcome.data_docs_index,
        dbt_docs_index=str(docs_index or ""),
        run_results=str(options.reports / "run_results.json"),
    )
    outcome.report_path = str(report.write_report(inputs, options.reports / "report.html"))


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
