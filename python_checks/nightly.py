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
from python_checks.checks import links as link_checks
from python_checks.checks import thresholds as threshold_checks
from python_checks.checks.drift_fdr import discoveries, tests_judged
from python_checks.declare import Declarations, rules_seed
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
    junit_xml: Path | None = None  # the results as JUnit XML for a CI system, too
    alerts_file: Path | None = None  # instead of the config folder's alerts.yml


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


def check(options: RunOptions) -> RunOutcome:
    """The job's second half alone, on a warehouse dbt has already built
    (by an orchestrator's dbt assets, say): metrics_daily read once, the
    rules through Great Expectations, the Python checks, the alerts and the
    report. No preflight and no dbt build; the parsed project still names
    the metrics, so a rule on an unknown metric is still exit 2."""
    return _job(options, checks=True, build_first=False)


def load_declarations(options: RunOptions) -> Declarations:
    """The run's declarations from the warehouse's config folder; none
    there is exit 2 saying how to write one (`mpm init`)."""
    folder = paths.config_dir(options.warehouse, options.config_dir)
    declare.require_config(folder, options.warehouse, options.thresholds_file)
    return declare.load(
        options.thresholds_file,
        source_schema=options.source_schema,
        config_dir=folder,
        alerts_file=options.alerts_file,
    )


def _job(options: RunOptions, checks: bool, build_first: bool = True) -> RunOutcome:
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
                # dbt's data tests judge the rules and links this run
                # loaded: the committed seeds, or the vars when they differ.
                dbt_vars = {
                    **declarations.dbt_vars.overrides,
                    **rules_seed.dbt_vars_for(declarations.thresholds, declarations.links),
                }
                dbt = Dbt(
                    engine,
                    options.reports / "dbt",
                    dbt_vars,
                    options.quiet,
                    rules_judged_by_mpm=checks,
                )
                if checks:
                    # Every metric a rule or link names must exist before
                    # anything runs: the parsed project knows them.
                    catalog = catalog_from_manifest(dbt.manifest())
                    declarations = declarations.with_catalog(catalog)
                if build_first:
                    _build(options, declarations, engine, outcome, dbt)
                if checks:
                    _check(options, declarations, engine, outcome, dbt, warm_up, runner)
            finally:
                engine.close()
    finally:
        if runner is not None:
            runner.close()
    write_results(outcome, options.reports / "run_results.json")
    if options.junit_xml is not None:
        from python_checks.report import junit

        junit.write(outcome, options.junit_xml)
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
        _alert(options, declarations, outcome)
        return

    metrics = engine.metrics()
    declarations = absent_models(declarations, metrics, outcome)
    with _step(outcome, "great expectations"):
        results, outcome.data_docs_index, verdicts = threshold_checks.evaluate_with_verdicts(
            metrics, declarations, runner, options.reports / "data_docs"
        )
        outcome.extend(results)
        outcome.results.append(_same_verdicts(verdicts, engine.rule_verdicts(), declarations))
        if outcome.data_docs_index:
            data_docs.make_offline(options.reports / "data_docs")

    with _step(outcome, "python checks"):
        context = CheckContext(engine=engine, declarations=declarations, metrics=metrics)
        # A bar on a terminal (none in CI logs or with --quiet).
        bar = tqdm(REGISTRY, desc="python checks", unit="check", disable=options.quiet or None)
        for check in bar:
            bar.set_postfix_str(check.__name__)
            outcome.extend(check(context))
        outcome.results.append(
            _same_link_verdicts(outcome.results, engine.link_verdicts(), declarations)
        )
        outcome.results.append(_same_discoveries(outcome.results, engine.drift_fdr_verdicts()))

    # Before the report, so a destination that could not be reached is in it.
    _alert(options, declarations, outcome)

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


def _alert(options: RunOptions, declarations: Declarations, outcome: RunOutcome) -> None:
    """The night's alerts (the config folder's alerts.yml); their delivery is
    reported as results and never changes the exit code."""
    if not declarations.alerts.destinations:
        return
    from python_checks import alerts

    with _step(outcome, "alerts"):
        outcome.extend(
            alerts.notify(outcome, declarations.alerts, options.reports, str(options.warehouse))
        )


def _same_verdicts(
    ge: pd.DataFrame, dbt: pd.DataFrame | None, declarations: Declarations
) -> CheckResult:
    """What `dbt build` judged (rule_verdicts_daily, its data tests) held to
    what Great Expectations judged: one semantics, so a plain `dbt build`
    and `mpm run` never contradict each other. A disagreement fails the
    night, naming the first rule-days it concerns."""
    from python_checks.declare.rules_seed import policy_text

    policy_rules = frozenset(
        rule.rule_id for rule in declarations.thresholds.rules if policy_text(rule)
    )
    # Rules of models metrics_daily does not hold were set aside before GE
    # ran (absent_models, reported once each): dbt's not-evaluated rows for
    # them have nothing to be compared with.
    judged = {rule.rule_id for rule in declarations.thresholds.rules}
    return _verdicts_agree(
        "rule_verdicts",
        "rule_verdicts_daily",
        "Great Expectations",
        ge,
        dbt,
        judged,
        policy_rules,
        "rule x slice x day",
        f" ({len(policy_rules)} rule(s) with an alarm policy are judged by mpm run only)"
        if policy_rules
        else "",
    )


def _same_link_verdicts(
    results: list[CheckResult], dbt: pd.DataFrame | None, declarations: Declarations
) -> CheckResult:
    """What `dbt build` judged of the links and guardrails
    (link_verdicts_daily, its data tests) held to what the Python link
    checks judged, as _same_verdicts does for the rules."""
    links = declarations.links
    judged = {link.link_id for link in links.links} | {p.link_id for p in links.guardrails}
    staged = frozenset()
    if dbt is not None:
        mpm_only = dbt["reason"].fillna("").str.contains(link_checks.MPM_ONLY, regex=False)
        staged = frozenset(dbt.loc[mpm_only, "rule_id"])
    return _verdicts_agree(
        "link_verdicts",
        "link_verdicts_daily",
        "the Python link checks",
        link_checks.verdict_frame(results),
        dbt,
        judged,
        staged,
        "pair x day",
        f" ({len(staged)} pair(s) with a series from staged rows are judged by mpm run only)"
        if staged
        else "",
    )


def _same_discoveries(results: list[CheckResult], dbt: pd.DataFrame | None) -> CheckResult:
    """The KS discoveries `dbt build` judged (drift_fdr_verdicts_daily, its
    data tests) held to those of the Python drift_fdr check: the same tests
    in the window and the same discoveries at the same severities."""
    tests = tests_judged(results)
    mine = discoveries(results)
    if dbt is not None:
        if tests is None:  # not declared: the mart must hold no test either
            tests = 0
        if len(dbt) != tests:
            return CheckResult(
                check="drift_fdr_verdicts",
                status=Status.BREACHED,
                severity="error",
                message=f"dbt (drift_fdr_verdicts_daily) judged {len(dbt)} KS tests of the "
                f"window, the Python drift_fdr check {tests}",
                value=float(abs(len(dbt) - tests)),
            )
        dbt = dbt[dbt["verdict"] == "breach"].copy()
        dbt["verdict"] = "breach " + dbt["severity"]
    return _verdicts_agree(
        "drift_fdr_verdicts",
        "drift_fdr_verdicts_daily",
        "the Python drift_fdr check",
        mine,
        dbt,
        {"fdr"},
        frozenset(),
        f"KS discovery (of {tests} tests)",
        "",
    )


def _verdicts_agree(
    check: str,
    mart: str,
    ours: str,
    mine: pd.DataFrame,
    dbt: pd.DataFrame | None,
    judged: set[str],
    skip: frozenset[str],
    unit: str,
    note: str,
) -> CheckResult:
    """One CheckResult: the dbt verdict mart `mart` and this run's own
    verdicts (`ours`) agree on every judged id (skip: ids only this run
    judges), or the disagreement, naming its first rows."""
    if dbt is None:
        return CheckResult(
            check=check,
            status=Status.NOT_EVALUATED,
            severity="error",
            message=f"{mart} was not built: the dbt verdicts cannot be compared",
        )
    dbt = dbt[dbt["rule_id"].isin(judged)]
    differ = threshold_checks.compare_verdicts(mine, dbt, skip)
    if differ.empty:
        return CheckResult(
            check=check,
            status=Status.PASSED,
            severity="error",
            message=f"dbt ({mart}) and {ours} agree on all {len(mine)} {unit} verdicts{note}",
        )
    shown = "; ".join(
        f"{row.rule_id} {row.model_name} {row.model_version} {row.segment} "
        f"{row.metric_date}: dbt {row.dbt}, {'GE' if check == 'rule_verdicts' else 'mpm'} "
        f"{row.ge}"
        for row in differ.head(3).itertuples(index=False)
    )
    return CheckResult(
        check=check,
        status=Status.BREACHED,
        severity="error",
        message=f"dbt ({mart}) and {ours} disagree on {len(differ)} {unit} verdict(s), "
        f"e.g. {shown}",
        value=float(len(differ)),
    )


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
