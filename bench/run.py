"""Benchmark: how fast is a backfill and a nightly increment, against the
hardware and against the peers, in one run.

    make bench                                   # small, a few minutes
    .venv/bin/python bench/run.py --rows-per-day 1000000 --days 90 --batch-days 10

Generates contract-shaped classification data inside DuckDB (bench/
generate.py), then measures, each in its own process (wall time and that
process's peak resident memory from wait4):

  1. a bare DuckDB scan + group-by-day over the predictions (the hardware)
  2. the full backfill `dbt build` (all models and data tests); with
     --batch-days N, the batched backfill of `mpm run --batch-days N`
  3. one nightly `dbt build` on top of 30 and of 300 days of history
  4. the per-day work of the dbt marts with pandas + sklearn + scipy
     (bench/pandas_metrics.py): the classification metrics of the 15 groups
     a day (version x segment, version, segment, model) and the model-level
     drift of 4 series against the first 7 days (KS and PSI of f_num_1,
     f_num_2 and the score, PSI and Jensen-Shannon of f_country)
  5. the same work with Evidently's own metrics, in its own virtualenv
     (bench/evidently_metrics.py)

and prints the table and the ratios the issue sets targets for.
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

from bench.generate import append_days, generate  # noqa: E402
from python_checks import dbt_runner  # noqa: E402

EVIDENTLY_VENV = ROOT / ".cache" / "bench-evidently"
EVIDENTLY_REQUIREMENTS = ROOT / "bench" / "requirements-evidently.txt"


@dataclass
class Measure:
    step: str
    rows: int
    seconds: float | None
    peak_bytes: int | None
    note: str = ""


def measured(command: list[str], env: dict | None = None, timeout: float | None = None):
    """Run `command`; return (wall seconds, peak RSS bytes, exit code, output)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        return time.perf_counter() - started, None, "timeout", output
    return time.perf_counter() - started, None, process.returncode, output


def run_step(command: list[str], env: dict | None = None, timeout: float | None = None):
    """Run `command` under bench/_wait4.py, which reports its peak RSS."""
    wrapper = [sys.executable, str(ROOT / "bench" / "_wait4.py"), "--", *command]
    seconds, _, code, output = measured(wrapper, env, timeout)
    peak = None
    lines = output.strip().splitlines()
    if lines and lines[-1].startswith("WAIT4 "):
        _, code_text, peak_text = lines[-1].split()
        peak = int(peak_text)
        code = int(code_text)
        output = "\n".join(lines[:-1])
    return seconds, peak, code, output


def dbt_env(warehouse: Path, artifacts: Path, args) -> dict:
    env = dbt_runner.dbt_env(warehouse, artifacts)
    env["MPM_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    env["MPM_DUCKDB_TEMP_DIRECTORY"] = str(args.workdir / "duckdb_tmp")
    return env


def dbt_build(warehouse: Path, artifacts: Path, args, extra: list[str] | None = None):
    command = [dbt_runner.dbt_executable(), "build", *(extra or [])]
    seconds, peak, code, output = run_step(command, dbt_env(warehouse, artifacts, args))
    if code != 0:
        tail = "\n".join(output.splitlines()[-15:])
        raise SystemExit(f"dbt build failed on {warehouse}:\n{tail}")
    return seconds, peak


def batched_backfill(warehouse: Path, artifacts: Path, args):
    """dbt_runner.backfill (what `mpm run --batch-days` does), in its own
    process: one full refresh, then nights of `--batch-days` days."""
    code = (
        "import sys; from pathlib import Path; from python_checks import dbt_runner; "
        "results = dbt_runner.backfill(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])); "
        "sys.exit(any(r.status != 'passed' and r.severity == 'error' for r in results))"
    )
    command = [sys.executable, "-c", code, str(warehouse), str(artifacts), str(args.batch_days)]
    seconds, peak, code, output = run_step(command, dbt_env(warehouse, artifacts, args))
    if code != 0:
        tail = "\n".join(output.splitlines()[-15:])
        raise SystemExit(f"batched backfill failed on {warehouse}:\n{tail}")
    return seconds, peak


def slowest_models(artifacts: Path, n: int = 6) -> list[tuple[str, float]]:
    results = json.loads((artifacts / "target" / "run_results.json").read_text())["results"]
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
    seconds, peak, status, output = run_step([sys.executable, "-c", code, str(warehouse)])
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


def evidently_python() -> tuple[Path | None, str]:
    """The Evidently virtualenv's python, created on first use."""
    python = EVIDENTLY_VENV / "bin" / "python"
    if python.exists():
        return python, ""
    uv = Path(sys.executable).with_name("uv")
    env = dict(os.environ, UV_CACHE_DIR=str(ROOT / ".cache" / "uv"))
    steps = [
        [str(uv), "venv", "-q", "--python", sys.executable, str(EVIDENTLY_VENV)],
        [
            str(uv),
            "pip",
            "install",
            "-q",
            "--python",
            str(python),
            "-r",
            str(EVIDENTLY_REQUIREMENTS),
        ],
    ]
    for step in steps:
        done = subprocess.run(step, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(EVIDENTLY_VENV, ignore_errors=True)
            reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["unknown"]
            return None, f"Evidently did not install: {reason[0]}"
    return python, ""


def nightly(history_days: int, args) -> tuple[Measure, list]:
    """Build `history_days` days whole, append one new day, time that night.

    The same night runs `--night-repeats` times from a copy of the warehouse
    taken before it (the incremental state lives in the warehouse), and the
    median is reported: on a shared 2-core machine one night's wall time
    varies by 10-20 %, as much as the 300/30 target's margin."""
    warehouse = args.workdir / f"history_{history_days}.duckdb"
    before = args.workdir / f"history_{history_days}.before_night.duckdb"
    rows_per_day = args.increment_rows_per_day
    generate(warehouse, history_days, rows_per_day, threads=args.threads)
    dbt_build(warehouse, args.workdir / f"history_{history_days}_first", args)
    con = duckdb.connect(str(warehouse))
    try:
        append_days(con, history_days, 1, rows_per_day)
    finally:
        con.close()
    shutil.copyfile(warehouse, before)
    artifacts = args.workdir / f"history_{history_days}_night"
    runs = []
    for repeat in range(args.night_repeats):
        if repeat:
            shutil.copyfile(before, warehouse)
        runs.append(dbt_build(warehouse, artifacts, args))
    before.unlink()
    seconds = statistics.median(run[0] for run in runs)
    peak = max(run[1] or 0 for run in runs) or None
    note = ""
    if len(runs) > 1:
        note = f"median of {len(runs)}: " + " / ".join(f"{run[0]:.1f}" for run in runs) + " s"
    rows = count(warehouse, "select count(*) from raw.predictions")
    step = f"3. nightly dbt build, {history_days} days of history"
    return Measure(step, rows, seconds, peak, note), slowest_models(artifacts)


def gib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**30:.2f}"


def ratio(a: Measure, b: Measure | None) -> str:
    if b is None or not a.seconds or not b.seconds:
        return "n/a"
    return f"{a.seconds / b.seconds:.2f}"


def profile_memory_limit() -> str:
    """The default memory_limit declared in profiles.yml (one place)."""
    text = (ROOT / "profiles.yml").read_text()
    found = re.search(r"env_var\('MPM_DUCKDB_MEMORY_LIMIT', '([^']+)'\)", text)
    if found is None:
        raise SystemExit("profiles.yml declares no MPM_DUCKDB_MEMORY_LIMIT default")
    return found.group(1)


def main(argv: list[str] | None = None) -> int:
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
        help="run each night this many times from the same state; report the median",
    )
    parser.add_argument(
        "--memory-limit",
        default=os.environ.get("MPM_DUCKDB_MEMORY_LIMIT", profile_memory_limit()),
        help="DuckDB memory_limit (default: the profile's)",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "bench")
    parser.add_argument("--skip-peers", action="store_true", help="skip steps 4 and 5")
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
    args.workdir.mkdir(parents=True, exist_ok=True)
    measures: list[Measure] = []

    warehouse = args.workdir / "backfill.duckdb"
    started = time.perf_counter()
    generate(warehouse, args.days, args.rows_per_day, threads=args.threads)
    rows = count(warehouse, "select count(*) from raw.predictions")
    print(
        f"generated {rows:,} prediction rows in {time.perf_counter() - started:.1f} s", flush=True
    )

    hardware = baseline(warehouse, args)
    measures.append(hardware)
    if args.batch_days:
        seconds, peak = batched_backfill(warehouse, args.workdir / "backfill", args)
        step = f"2. full backfill, nights of {args.batch_days} days (--batch-days)"
    else:
        seconds, peak = dbt_build(warehouse, args.workdir / "backfill", args)
        step = "2. full backfill dbt build"
    backfill = Measure(step, rows, seconds, peak)
    measures.append(backfill)
    backfill_models = slowest_models(args.workdir / "backfill")

    pandas_step = evidently_step = None
    if not args.skip_peers:
        export(warehouse, args.workdir / "parquet")
        seconds, peak, code, output = run_step(
            [
                sys.executable,
                str(ROOT / "bench" / "pandas_metrics.py"),
                str(args.workdir / "parquet"),
            ]
        )
        note = "" if code == 0 else f"failed ({code}): {output.strip().splitlines()[-1:]}"
        pandas_step = Measure(
            "4. pandas + sklearn + scipy", rows, seconds if code == 0 else None, peak, note
        )
        measures.append(pandas_step)

        python, reason = evidently_python()
        if python is None:
            evidently_step = Measure("5. Evidently", rows, None, None, reason)
        else:
            command = [
                str(python),
                str(ROOT / "bench" / "evidently_metrics.py"),
                str(args.workdir / "parquet"),
            ]
            if args.evidently_max_days:
                command.append(str(args.evidently_max_days))
            seconds, peak, code, output = run_step(command)
            if code != 0:
                evidently_step = Measure(
                    "5. Evidently", rows, None, peak, f"failed: {output.strip().splitlines()[-1:]}"
                )
            else:
                note = output.strip().splitlines()[-1]
                if args.evidently_max_days and args.evidently_max_days < args.days:
                    # Loading is paid once; the report loop scales with the days.
                    per_day = float(note.split(", ")[1].split()[0])
                    seconds += per_day * (args.days - args.evidently_max_days)
                    note += f"; extrapolated to {args.days} days"
                evidently_step = Measure("5. Evidently", rows, seconds, peak, note)
        measures.append(evidently_step)

    nights = {}
    for history in [int(h) for h in args.histories.split(",") if h]:
        night, models = nightly(history, args)
        measures.append(night)
        nights[history] = (night, models)

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
    print("| ratio | value | target |")
    print("|---|---:|---|")
    print(f"| (2) backfill / (1) hardware scan | {ratio(backfill, hardware)} | as low as it goes |")
    print(f"| (2) backfill / (4) pandas | {ratio(backfill, pandas_step)} | < 1 |")
    print(
        f"| (2) backfill / (5) Evidently | {ratio(backfill, evidently_step)} "
        "| <= 0.05 (20x faster) |"
    )
    if 30 in nights and 300 in nights:
        print(f"| (3 at 300) / (3 at 30) | {ratio(nights[300][0], nights[30][0])} | <= 1.2 |")
    print()
    print("slowest models of the backfill (run_results.json execution_time, s):")
    for name, seconds in backfill_models:
        print(f"  {seconds:8.2f}  {name}")
    for history, (_, models) in nights.items():
        print(f"slowest models of the night on {history} days:")
        for name, seconds in models:
            print(f"  {seconds:8.2f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
