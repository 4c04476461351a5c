"""Command line: `mpm run` (the nightly job), `mpm build` (its dbt half
alone), `mpm init` (a starting config learned from a warehouse), `mpm
backtest` (the rules on every past night), `mpm generate` (a demo
warehouse), `mpm demo` (generate, then run), `mpm compile-rules` (the
thresholds and links files as the seeds dbt's tests read).
Thin: it parses arguments and calls the library. Exit codes: 0 all checks
hold, 1 an error-severity check breaks, 2 usage, configuration or input
error (one line on stderr)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from python_checks import paths
from python_checks.errors import UsageError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mpm",
        description="Per-day model-quality and business metrics for AI features, "
        "with thresholds, drift bounds and cross-layer checks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="dbt build, Great Expectations, Python checks, summary")
    _run_arguments(run)

    build = sub.add_parser(
        "build", help="the preflight and dbt build alone, as `mpm run` runs them (no checks)"
    )
    _run_arguments(build)

    generate = sub.add_parser("generate", help="write a demo warehouse (schema raw)")
    _generate_arguments(generate)

    init = sub.add_parser(
        "init",
        help="learn a starting config (thresholds.yml, links.yml) from a warehouse; builds it "
        "first when metrics_daily is missing",
    )
    _run_arguments(init)
    init.add_argument("--force", action="store_true", help="overwrite an existing config")
    init.add_argument(
        "--reference-days",
        type=int,
        default=14,
        help="each model's first N days are the reference its bounds are learned from",
    )
    init.add_argument(
        "--k", type=float, default=4.0, help="bounds sit k day-to-day spreads from the level"
    )

    backtest = sub.add_parser(
        "backtest",
        help="evaluate every rule on each past day as if it were that night; writes "
        "main.backtest_alarms_daily and prints per rule its alarm days",
    )
    _run_arguments(backtest)
    backtest.add_argument("--from", dest="start", type=_day, help="first night (YYYY-MM-DD)")
    backtest.add_argument("--to", dest="end", type=_day, help="last night (YYYY-MM-DD)")

    compile_rules = sub.add_parser(
        "compile-rules",
        help="compile the thresholds and links files into seeds/threshold_rules.csv, "
        "link_rules.csv and drift_fdr_rules.csv, what a plain `dbt build` judges",
    )
    compile_rules.add_argument("--thresholds", type=Path, help="thresholds file to compile")
    compile_rules.add_argument("--links", type=Path, help="links file to compile")
    compile_rules.add_argument(
        "--as-var",
        action="store_true",
        help="print them as the dbt vars threshold_rules, link_rules and drift_fdr_rules "
        "(YAML, for a host project's vars) instead of writing the seeds",
    )

    demo = sub.add_parser("demo", help="generate the demo warehouse, then run on it")
    _generate_arguments(demo)
    _run_arguments(demo, with_warehouse=False)
    return parser


def _day(text: str):
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from exc


def _run_arguments(parser: argparse.ArgumentParser, with_warehouse: bool = True) -> None:
    if with_warehouse:
        parser.add_argument("--warehouse", type=Path, help="DuckDB file (default: WAREHOUSE_PATH)")
    parser.add_argument("--reports", type=Path, help="output folder (default: MPM_REPORTS_DIR)")
    parser.add_argument("--source-schema", help="schema of the source tables (dbt var)")
    parser.add_argument(
        "--config-dir",
        type=Path,
        help="the warehouse's config folder with thresholds.yml and links.yml (default: "
        "MPM_CONFIG_DIR, else <warehouse stem>.mpm/ beside the warehouse; `mpm demo`: the "
        "demo's)",
    )
    parser.add_argument("--thresholds", type=Path, help="thresholds file to use instead")
    parser.add_argument("--full-refresh", action="store_true", help="rebuild every mart")
    parser.add_argument(
        "--batch-days",
        type=int,
        help="rebuild the whole history as nights of N days each (a first backfill of "
        "a large warehouse in bounded memory; DuckDB)",
    )
    parser.add_argument("--quiet", action="store_true", help="hide dbt's log lines")
    parser.add_argument(
        "--alerts", type=Path, help="alerts file to use instead of the config folder's alerts.yml"
    )
    parser.add_argument(
        "--junit-xml",
        type=Path,
        metavar="PATH",
        help="also write the checks as JUnit XML (one test case per rule x slice)",
    )


def _generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", type=Path, help="DuckDB file (default: WAREHOUSE_PATH)")
    parser.add_argument("--scenario", default="healthy", help="what to inject (see docs)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every volume")
    parser.add_argument("--seed", type=int, default=7)


def _generate(args: argparse.Namespace, warehouse: Path) -> None:
    from python_checks.demo import SCENARIOS, generate_warehouse

    if args.scenario not in SCENARIOS:
        raise UsageError(f"unknown scenario {args.scenario!r}; choose from {', '.join(SCENARIOS)}")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    counts = generate_warehouse(
        warehouse,
        args.scenario,
        days=args.days,
        scale=args.scale,
        seed=args.seed,
        progress=sys.stderr.isatty(),
    )
    from python_checks.warehouse.engine import DuckDBEngine

    DuckDBEngine(warehouse).forget_incremental_state()
    total = ", ".join(f"{table} {n:,}" for table, n in counts.items())
    print(f"demo warehouse {warehouse} (scenario {args.scenario}): {total}")


def _run(args: argparse.Namespace, warehouse: Path, checks: bool = True) -> int:
    from python_checks import nightly
    from python_checks.report import summary

    options = _options(args, warehouse)
    outcome = nightly.run(options) if checks else nightly.build(options)
    print(summary.render(outcome, str(warehouse)))
    return outcome.exit_code


def _options(args: argparse.Namespace, warehouse: Path):
    from python_checks import nightly

    return nightly.RunOptions(
        warehouse=warehouse,
        reports=(args.reports or paths.reports_dir()).resolve(),
        source_schema=args.source_schema,
        thresholds_file=args.thresholds,
        config_dir=args.config_dir,
        full_refresh=args.full_refresh,
        quiet=args.quiet,
        batch_days=args.batch_days,
        junit_xml=args.junit_xml.resolve() if args.junit_xml else None,
        alerts_file=args.alerts,
    )


def _init(args: argparse.Namespace, warehouse: Path) -> int:
    from python_checks import init_config, nightly
    from python_checks.declare.dbt_vars import load_dbt_vars
    from python_checks.report import summary
    from python_checks.warehouse.engine import open_engine

    if args.reference_days < 3 or args.k <= 0:
        raise UsageError("--reference-days must be at least 3 and --k positive")
    folder = paths.config_dir(warehouse, args.config_dir)
    init_config.refuse_overwrite(folder, args.force)  # before a build, not after
    engine = open_engine(warehouse)
    built = engine.table_exists("main", "metrics_daily")
    engine.close()
    if not built:
        # The config is learned from metrics_daily: build it the way
        # `mpm build` does (preflight, dbt build with its data tests).
        outcome = nightly.build(_options(args, warehouse))
        if outcome.exit_code:
            print(summary.render(outcome, str(warehouse)))
            raise UsageError(f"{warehouse}: the build failed, so no config was learned")
    reference = load_dbt_vars(paths.DBT_PROJECT_FILE).get("drift_reference") or {}
    drift_days = int(reference.get("days") or 7) if reference.get("mode") == "first_days" else 7
    engine = open_engine(warehouse)
    try:
        result = init_config.write_config(
            engine,
            warehouse,
            folder,
            force=args.force,
            reference_days=args.reference_days,
            drift_reference_days=drift_days,
            k=args.k,
        )
    finally:
        engine.close()
    print(init_config.render(result))
    return 0


def _backtest(args: argparse.Namespace, warehouse: Path) -> int:
    from python_checks import backtest

    if args.start and args.end and args.start > args.end:
        raise UsageError(f"--from {args.start} is after --to {args.end}")
    outcome = backtest.run(_options(args, warehouse), args.start, args.end)
    for result in outcome.results:
        print(f"  {result.check}: {result.message}")
    print(backtest.render(outcome.summaries, outcome.table, outcome.where))
    return 0


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # A log file that cannot be written (a full disk) is not a traceback on
    # stderr for every line dbt logs: the run's own error says what failed.
    logging.raiseExceptions = False
    args = _parser().parse_args(argv)
    warehouse = (getattr(args, "warehouse", None) or paths.warehouse_path()).resolve()
    try:
        if args.command == "init":
            return _init(args, warehouse)
        if args.command == "backtest":
            return _backtest(args, warehouse)
        if args.command == "compile-rules":
            from python_checks.declare import rules_seed

            if args.as_var:
                print(rules_seed.var_text(args.thresholds, args.links), end="")
            else:
                for seed in rules_seed.write_seed(args.thresholds, args.links):
                    print(f"wrote {seed}")
            return 0
        if args.command in ("generate", "demo"):
            _generate(args, warehouse)
            if args.command == "generate":
                return 0
            # The sources were just replaced whole: an incremental night
            # would keep the old days' metrics, so the demo rebuilds whole.
            args.full_refresh = True
            # The demo is judged by the demo's config, wherever its warehouse is.
            args.config_dir = args.config_dir or paths.DEMO_CONFIG_DIR
        return _run(args, warehouse, checks=args.command != "build")
    except UsageError as exc:
        print(f"mpm: {exc}", file=sys.stderr)
        if getattr(args, "junit_xml", None):
            from python_checks.report import junit

            junit.write_error(str(exc), args.junit_xml)
        return exc.exit_code
    except OSError as exc:
        # Disk full, file too large, read-only file system: the environment,
        # not a check, failed; one line, no stack trace.
        where = exc.filename or "a file"
        print(f"mpm: I/O error on {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mpm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
