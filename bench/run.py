"""Benchmark: every row of the performance targets, from one run.

    make bench                                   # small, a few minutes
    make bench ARGS="--rows-per-day 1000000 --days 90 --batch-days 10 --skip-peers --histories ''"

Generates contract-shaped classification data inside DuckDB (bench/
generate.py), then measures, each in its own process (wall time and that
process's peak resident memory from wait4):

  1. a bare DuckDB scan + group-by-day over the predictions (the hardware)
  2. the full backfill as `mpm run` builds it (`mpm build`: the preflight
     and dbt, every model and data test); with --batch-days N, the batched
     backfill of `mpm run --batch-days N`
  3. one night (`mpm build` after a new day) on top of 30 and of 300 days
     of history, medians of --night-repeats
  4. the per-day work of the dbt marts with pandas + sklearn + scipy
     (bench/pandas_metrics.py): the classification metrics of the 15 groups
     a day (version x segment, version, segment, model) and the model-level
     drift of 4 series against the first 7 days (KS and PSI of f_num_1,
     f_num_2 and the score, PSI and Jensen-Shannon of f_country)
  5. the same work with Evidently's own metrics, in its own virtualenv
     (bench/evidently_metrics.py)
  6. one night on top of the backfill: one more day of --rows-per-day
     predictions (at 1M a day on 90 days: the night at scale)
  7. the whole `mpm run` (dbt, Great Expectations, Python checks, report)
     on a small warehouse the project did not generate (NannyML's synthetic
     car-loan data: one classifier, 100k predictions over 606 days, 7
     features; bench/small_warehouse.py): its first run (no parsed project
     cached) and its next night, side by side with NannyML's own daily
     monitor on the same data (bench/nannyml_peer.py, its own virtualenv),
     the three in turn, medians of --night-repeats

and prints the table and every ratio the performance targets are set on.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import small_warehouse  # noqa: E402
from bench.generate import append_days, generate  # noqa: E402
from python_checks import paths  # noqa: E402

EVIDENTLY_VENV = ROOT / ".cache" / "bench-evidently"
EVIDENTLY_REQUIREMENTS = ROOT / "bench" / "requirements-evidently.txt"
NANNYML_VENV = ROOT / ".cache" / "bench-nannyml"
NANNYML_REQUIREMENTS = ROOT / "bench" / "requirements-nannyml.txt"
MPM = Path(sys.executable).with_name("mpm")
# A night is repeated from a copy of its warehouse only below this size.
COPY_LIMIT_BYTES = 4 * 2**30


@dataclass
class Measure:
    step: str
    rows: int
    seconds: float | None
    peak_bytes: int | None
    note: str = ""


def run_step(command: list[str], env: dict | None = None, timeout: float | None = None):
    """Run `command` under bench/_wait4.py; return (wall seconds, peak RSS
    bytes of that process, exit code, output)."""
    wrapper = [sys.executable, str(ROOT / "bench" / "_wait4.py"), "--", *command]
    started = time.perf_counter()
    process = subprocess.Popen(
        wrapper, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        return time.perf_counter() - started, None, "timeout", output
    seconds = time.perf_counter() - started
    code, peak = process.returncode, None
    lines = output.strip().splitlines()
    if lines and lines[-1].startswith("WAIT4 "):
        _, code_text, peak_text = lines[-1].split()
        peak, code = int(peak_text), int(code_text)
        output = "\n".join(lines[:-1])
    return seconds, peak, code, output


def mpm_env(args, cache: Path | None = None) -> dict:
    """The environment of every `mpm` process of the bench: its DuckDB
    limits and, for a first run, a cache of parsed projects of its own."""
    env = dict(os.environ)
    env["MPM_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    # The bench's warehouses are judged by the demo's config.
    env["MPM_CONFIG_DIR"] = str(paths.DEMO_CONFIG_DIR)
    env["MPM_DUCKDB_TEMP_DIRECTORY"] = str(args.workdir / "duckdb_tmp")
    if cache is not None:
        env["MPM_CACHE_DIR"] = str(cache)
    return env


def mpm(command: str, warehouse: Path, reports: Path, args, extra=(), cache: Path | None = None):
    """`mpm build` or `mpm run` on `warehouse`, timed; exit 0 or 1 (a
    breach) is a run, anything else stops the bench with mpm's output."""
    argv = [str(MPM), command, "--warehouse", str(warehouse), "--reports", str(reports)]
    seconds, peak, code, output = run_step([*argv, "--quiet", *extra], mpm_env(args, cache))
    if code not in (0, 1):
        tail = "\n".join(output.splitlines()[-15:])
        raise SystemExit(f"mpm {command} failed on {warehouse} (exit {code}):\n{tail}")
    return seconds, peak


def slowest_models(reports: Path, n: int = 6) -> list[tuple[str, float]]:
    results = json.loads((reports / "dbt" / "target" / "run_results.json").read_text())["results"]
    models = [
        (r["unique_id"].split(".")[-1], r["execution_time"])
        for r in results
        if r["unique_id"].startswith("model.")
    ]
    return sorted(models, key=lambda m: -m[1])[:n]


def count(warehouse: Path, sql: str) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def baseline(warehouse: Path, args) -> Measure:
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        f"con.execute(\"set memory_limit = '{args.memory_limit}'\"); "
        f"con.execute('set threads = {args.threads}'); "
        "con.execute('select cast(predicted_at as date) as day, count(*), avg(score), "
        "sum(case when predicted_label then 1 else 0 end) from raw.predictions "
        "group by 1 order by 1').fetchall()"
    )
    seconds, peak, _, _ = run_step([sys.executable, "-c", code, str(warehouse)])
    rows = count(warehouse, "select count(*) from raw.predictions")
    return Measure("1. DuckDB scan + group by day (hardware)", rows, seconds, peak)


def export(warehouse: Path, folder: Path) -> None:
    """The peers' input: the source rows they need, as Parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(
            "copy (select prediction_id, model_version, segment, predicted_at, score, "
            "threshold, predicted_label, latency_ms from raw.predictions) "
            f"to '{folder / 'predictions.parquet'}' (format parquet)"
        )
        con.execute(
            "copy (select prediction_id, actual_value, labeled_at from raw.labels) "
            f"to '{folder / 'labels.parquet'}' (format parquet)"
        )
        # Every feature, long as the source holds them: the peers compute the
        # drift of each one (and of the score), as the dbt drift marts do.
        con.execute(
            "copy (select prediction_id, feature_name, numeric_value, category_value "
            "from raw.prediction_features) "
            f"to '{folder / 'features.parquet'}' (format parquet)"
        )
    finally:
        con.close()


def peer_python(venv: Path, requirements: Path, name: str) -> tuple[Path | None, str]:
    """A peer's virtualenv python, created on first use from its pinned
    requirements (bytecode compiled at install, as the project's own)."""
    python = venv / "bin" / "python"
    if python.exists():
        return python, ""
    uv = Path(sys.executable).with_name("uv")
    env = dict(os.environ, UV_CACHE_DIR=str(ROOT / ".cache" / "uv"))
    steps = [
        [str(uv), "venv", "-q", "--python", sys.executable, str(venv)],
        [str(uv), "pip", "install", "-q", "--compile-bytecode", "--python", str(python)]
        + ["-r", str(requirements)],
    ]
    for step in steps:
        done = subprocess.run(step, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["unknown"]
            return None, f"{name} did not install: {reason[0]}"
    return python, ""


def evidently(rows: int, args) -> Measure:
    python, reason = peer_python(EVIDENTLY_VENV, EVIDENTLY_REQUIREMENTS, "Evidently")
    if python is None:
        return Measure("5. Evidently", rows, None, None, reason)
    command = [str(python), str(ROOT / "bench" / "evidently_metrics.py")]
    command.append(str(args.workdir / "parquet"))
    if args.evidently_max_days:
        command.append(str(args.evidently_max_days))
    seconds, peak, code, output = run_step(command)
    if code != 0:
        return Measure("5. Evidently", rows, None, peak, f"failed: {output.strip()[-200:]}")
    note = output.strip().splitlines()[-1]
    if args.evidently_max_days and args.evidently_max_days < args.days:
        # Loading is paid once; the report loop scales with the days.
        per_day = float(note.split(", ")[1].split()[0])
        seconds += per_day * (args.days - args.evidently_max_days)
        note += f"; extrapolated to {args.days} days"
    return Measure("5. Evidently", rows, seconds, peak, note)


def repeated(step: str, rows: int, runs: list[tuple[float, int | None]]) -> Measure:
    """One row from several timed runs: the median, the largest peak."""
    seconds = statistics.median(run[0] for run in runs)
    peak = max(run[1] or 0 for run in runs) or None
    note = ""
    if len(runs) > 1:
        note = f"median of {len(runs)}: " + " / ".join(f"{run[0]:.1f}" for run in runs) + " s"
    return Measure(step, rows, seconds, peak, note)


def night(warehouse: Path, reports: Path, days: int, rows_per_day: int, repeats: int, args):
    """Append day `days` (0-based) of `rows_per_day` predictions to a built
    warehouse and time that night's `mpm build`, `repeats` times from a copy
    taken before it (the incremental state lives in the warehouse)."""
    con = duckdb.connect(str(warehouse))
    try:
        append_days(con, days, 1, rows_per_day)
    finally:
        con.close()
    if warehouse.stat().st_size > COPY_LIMIT_BYTES:
        repeats = 1
    before = warehouse.with_suffix(".before_night.duckdb")
    if repeats > 1:
        shutil.copyfile(warehouse, before)
    runs = []
    for repeat in range(repeats):
        if repeat:
            shutil.copyfile(before, warehouse)
        runs.append(mpm("build", warehouse, reports, args))
    before.unlink(missing_ok=True)
    return runs


def nightly(history_days: int, args) -> tuple[Measure, list]:
    """Build `history_days` days whole, append one new day, time that night
    (median of --night-repeats: on a shared 2-core machine one night's wall
    time varies by 10-20 %, as much as the 300/30 target's margin)."""
    warehouse = args.workdir / f"history_{history_days}.duckdb"
    rows_per_day = args.increment_rows_per_day
    generate(warehouse, history_days, rows_per_day, threads=args.threads)
    mpm("build", warehouse, args.workdir / f"history_{history_days}_first", args)
    reports = args.workdir / f"history_{history_days}_night"
    runs = night(warehouse, reports, history_days, rows_per_day, args.night_repeats, args)
    rows = count(warehouse, "select count(*) from raw.predictions")
    step = f"3. nightly build, {history_days} days of history"
    return repeated(step, rows, runs), slowest_models(reports)


def small_warehouse_runs(args) -> list[Measure]:
    """Step 7: NannyML's daily monitor, then `mpm run`'s first run, then its
    next night, in turn, --night-repeats times."""
    python, reason = peer_python(NANNYML_VENV, NANNYML_REQUIREMENTS, "NannyML")
    if python is None:
        return [Measure("7. NannyML daily monitor", 0, None, None, reason)]
    folder = args.workdir / "small"
    peer_env = dict(os.environ, NML_DISABLE_USAGE_LOGGING="1")
    parquet = folder / "car_loan.parquet"
    if not parquet.exists():
        done = subprocess.run(
            [str(python), str(ROOT / "bench" / "nannyml_peer.py"), "export", str(folder)],
            env=peer_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return [Measure("7. NannyML daily monitor", 0, None, None, done.stderr[-200:])]
    monitor = [str(python), str(ROOT / "bench" / "nannyml_peer.py"), "monitor", str(folder)]
    peer, first, next_night = [], [], []
    for repeat in range(args.night_repeats):
        seconds, peak, code, output = run_step(monitor, peer_env)
        if code != 0:
            raise SystemExit(f"NannyML failed:\n{output[-2000:]}")
        peer.append((seconds, peak))
        warehouse = folder / "car_loan.duckdb"
        small_warehouse.build(parquet, warehouse, hold_back_days=1)
        reports = folder / f"reports_{repeat}"
        shutil.rmtree(reports, ignore_errors=True)
        cold = folder / f"cold_cache_{repeat}"
        shutil.rmtree(cold, ignore_errors=True)
        first.append(mpm("run", warehouse, reports, args, cache=cold))
        small_warehouse.append(parquet, warehouse)
        next_night.append(mpm("run", warehouse, reports, args, cache=cold))
    rows = count(warehouse, "select count(*) from raw.predictions")
    return [
        repeated("7. NannyML daily monitor (drift + realized performance)", rows, peer),
        repeated("7. mpm run, first run (nothing cached)", rows - count_last_day(warehouse), first),
        repeated("7. mpm run, next night", rows, next_night),
    ]


def count_last_day(warehouse: Path) -> int:
    return count(
        warehouse,
        "select count(*) from raw.predictions "
        "where cast(predicted_at as date) = (select max(cast(predicted_at as date)) "
        "from raw.predictions)",
    )


def gib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**30:.2f}"


def ratio(a: Measure | None, b: Measure | None) -> str:
    if a is None or b is None or not a.seconds or not b.seconds:
        return "n/a"
    return f"{a.seconds / b.seconds:.2f}"


def profile_memory_limit() -> str:
    """The default memory_limit declared in profiles.yml (one place)."""
    text = (ROOT / "profiles.yml").read_text()
    found = re.search(r"env_var\('MPM_DUCKDB_MEMORY_LIMIT', '([^']+)'\)", text)
    if found is None:
        raise SystemExit("profiles.yml declares no MPM_DUCKDB_MEMORY_LIMIT default")
    return found.group(1)


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-per-day", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--increment-rows-per-day",
        type=int,
        default=None,
        help="rows per day of the 30/300-day histories (default: min(rows-per-day, 2000))",
    )
    parser.add_argument("--histories", default="30,300", help="history lengths for step 3")
    parser.add_argument(
        "--night-repeats",
        type=int,
        default=3,
        help="run each night (and step 7) this many times; report the median",
    )
    parser.add_argument(
        "--memory-limit",
        default=os.environ.get("MPM_DUCKDB_MEMORY_LIMIT", profile_memory_limit()),
        help="DuckDB memory_limit (default: the profile's)",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "bench")
    parser.add_argument("--skip-peers", action="store_true", help="skip steps 4, 5 and 7")
    parser.add_argument(
        "--batch-days",
        type=int,
        default=None,
        help="step 2 as a batched backfill (mpm run --batch-days N): bounded memory at scale",
    )
    parser.add_argument(
        "--evidently-max-days",
        type=int,
        default=None,
        help="run Evidently on the first N days only and extrapolate (large sizes)",
    )
    args = parser.parse_args(argv)
    if args.night_repeats < 1:
        parser.error("--night-repeats must be at least 1")
    if args.increment_rows_per_day is None:
        args.increment_rows_per_day = min(args.rows_per_day, 2_000)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    measures: list[Measure] = []

    warehouse = args.workdir / "backfill.duckdb"
    started = time.perf_counter()
    generate(warehouse, args.days, args.rows_per_day, threads=args.threads)
    rows = count(warehouse, "select count(*) from raw.predictions")
    print(f"generated {rows:,} prediction rows in {time.perf_counter() - started:.1f} s")

    hardware = baseline(warehouse, args)
    measures.append(hardware)
    reports = args.workdir / "backfill"
    if args.batch_days:
        extra = ["--batch-days", str(args.batch_days)]
        step = f"2. full backfill, nights of {args.batch_days} days (--batch-days)"
    else:
        extra, step = [], "2. full backfill (mpm build)"
    seconds, peak = mpm("build", warehouse, reports, args, extra)
    backfill = Measure(step, rows, seconds, peak)
    measures.append(backfill)
    backfill_models = slowest_models(reports)

    pandas_step = evidently_step = None
    small: list[Measure] = []
    if not args.skip_peers:
        export(warehouse, args.workdir / "parquet")
        command = [sys.executable, str(ROOT / "bench" / "pandas_metrics.py")]
        seconds, peak, code, output = run_step([*command, str(args.workdir / "parquet")])
        note = "" if code == 0 else f"failed ({code}): {output.strip()[-200:]}"
        pandas_step = Measure(
            "4. pandas + sklearn + scipy", rows, seconds if code == 0 else None, peak, note
        )
        measures.append(pandas_step)
        evidently_step = evidently(rows, args)
        measures.append(evidently_step)

    night_reports = args.workdir / "backfill_night"
    runs = night(warehouse, night_reports, args.days, args.rows_per_day, args.night_repeats, args)
    after_backfill = repeated(
        f"6. one night of {args.rows_per_day:,} predictions on the backfill's {args.days} days",
        count(warehouse, "select count(*) from raw.predictions"),
        runs,
    )
    measures.append(after_backfill)
    night_models = slowest_models(night_reports)

    nights = {}
    for history in [int(h) for h in args.histories.split(",") if h]:
        measure, models = nightly(history, args)
        measures.append(measure)
        nights[history] = (measure, models)

    if not args.skip_peers:
        small = small_warehouse_runs(args)
        measures.extend(small)

    report(args, measures, hardware, backfill, pandas_step, evidently_step, after_backfill)
    report_ratios(nights, small)
    print()
    print("slowest models of the backfill (run_results.json execution_time, s):")
    for name, seconds in backfill_models:
        print(f"  {seconds:8.2f}  {name}")
    print("slowest models of the night on the backfill:")
    for name, seconds in night_models:
        print(f"  {seconds:8.2f}  {name}")
    for history, (_, models) in nights.items():
        print(f"slowest models of the night on {history} days:")
        for name, seconds in models:
            print(f"  {seconds:8.2f}  {name}")
    return 0


def report(args, measures, hardware, backfill, pandas_step, evidently_step, after_backfill):
    print()
    print(
        f"machine: {os.cpu_count()} cores, DuckDB memory_limit {args.memory_limit}, "
        f"threads {args.threads}; {args.rows_per_day:,} rows/day x {args.days} days backfill, "
        f"{args.increment_rows_per_day:,} rows/day for the nightly histories"
    )
    print()
    print("| step | prediction rows | wall s | peak GiB | note |")
    print("|---|---:|---:|---:|---|")
    for m in measures:
        wall = "n/a" if m.seconds is None else f"{m.seconds:.1f}"
        print(f"| {m.step} | {m.rows:,} | {wall} | {gib(m.peak_bytes)} | {m.note} |")
    print()
    print("| ratio or time | value | target |")
    print("|---|---:|---|")
    print(f"| (2) backfill / (1) hardware scan | {ratio(backfill, hardware)} | <= 50 |")
    print(f"| (2) backfill / (5) Evidently | {ratio(backfill, evidently_step)} | <= 0.05 |")
    print(f"| (2) backfill / (4) pandas | {ratio(backfill, pandas_step)} | <= 0.25 |")
    print(
        f"| (2) backfill, wall s (peak GiB) | {backfill.seconds:.1f} "
        f"({gib(backfill.peak_bytes)}) | <= 600 s and < 4 GiB at 90 days x 1M, batched |"
    )
    print(
        f"| (6) one night on the backfill, wall s | {after_backfill.seconds:.1f} "
        "| <= 60 s at 1M a day on 90 days |"
    )


def report_ratios(nights: dict, small: list[Measure]) -> None:
    if 30 in nights and 300 in nights:
        print(f"| (3 at 300) / (3 at 30) | {ratio(nights[300][0], nights[30][0])} | <= 1.2 |")
    if len(small) == 3:
        peer, first, next_night = small
        print(f"| (7) mpm run first run / NannyML | {ratio(first, peer)} | <= 0.25 |")
        print(f"| (7) mpm run next night / NannyML | {ratio(next_night, peer)} | <= 0.25 |")


if __name__ == "__main__":
    raise SystemExit(main())
