"""How long the drift models take on a warehouse.

Default: `dbt run` of models/intermediate/drift and models/marts/drift
(what they read upstream is built first and not counted), run twice, best
of two.

    .venv/bin/mpm generate --warehouse /tmp/x10.duckdb --scale 10
    .venv/bin/python bench/drift_timing.py /tmp/x10.duckdb

`--nightly`: the drift models' share of a whole `dbt build` and of the next
night's incremental `dbt build`. The warehouse's last day (every prediction,
feature, label and event timestamped on it) is held back, the rest built
whole, then the day is put back and the project built again, as the nightly
job would. The warehouse file is modified (the held-back day is restored).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent

DRIFT_MODELS = (
    "int_drift_observations",
    "int_drift_reference_windows",
    "drift_reference_numeric",
    "drift_reference_ecdf",
    "drift_reference_categories",
    "drift_numeric_daily",
    "drift_categorical_daily",
    "drift_verdict_daily",
)


def _dbt(warehouse: str, target: Path, *args: str) -> None:
    env = {**os.environ, "WAREHOUSE_PATH": warehouse}
    command = [str(ROOT / ".venv" / "bin" / "dbt"), *args, "--profiles-dir", str(ROOT)]
    command += ["--project-dir", str(ROOT), "--target-path", str(target), "-q"]
    subprocess.run(command, env=env, check=True, cwd=ROOT)


def _times(target: Path) -> dict[str, float]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}


def drift_only(warehouse: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp)
        # everything the drift models read, built once and not counted
        _dbt(warehouse, target, "run", "--select", "+drift_verdict_daily")
        best: dict[str, float] = {}
        for _ in range(2):
            started = time.perf_counter()
            _dbt(
                warehouse,
                target,
                "run",
                "--select",
                "path:models/intermediate/drift",
                "path:models/marts/drift",
            )
            total = time.perf_counter() - started
            for name, seconds in _times(target).items():
                best[name] = min(best.get(name, 1e9), seconds)
            best["(wall clock, dbt run)"] = min(best.get("(wall clock, dbt run)", 1e9), total)
    for name, seconds in sorted(best.items(), key=lambda item: -item[1]):
        print(f"{seconds:8.2f}s  {name}")


# Rows timestamped on or after the cut-off, and the features of those
# predictions, move to `held` and back.
HELD = {
    "prediction_features": (
        "prediction_id in (select prediction_id from raw.predictions where predicted_at >= {cut})"
    ),
    "predictions": "predicted_at >= {cut}",
    "labels": "labeled_at >= {cut}",
    "events": "occurred_at >= {cut}",
}


def _hold_back_last_day(warehouse: str) -> str:
    con = duckdb.connect(warehouse)
    try:
        (last,) = con.execute(
            "select max(cast(predicted_at as date)) from raw.predictions"
        ).fetchone()
        cut = f"timestamp '{last} 00:00:00'"
        con.execute("create schema if not exists held")
        for table, where in HELD.items():
            predicate = where.format(cut=cut)
            rows = f"select * from raw.{table} where {predicate}"
            con.execute(f"create or replace table held.{table} as {rows}")
            con.execute(f"delete from raw.{table} where {predicate}")
        return str(last)
    finally:
        con.close()


def _restore(warehouse: str) -> None:
    con = duckdb.connect(warehouse)
    try:
        for table in HELD:
            con.execute(f"insert into raw.{table} select * from held.{table}")
        con.execute("drop schema held cascade")
    finally:
        con.close()


def _report(label: str, times: dict[str, float], wall: float) -> None:
    drift = {name: times[name] for name in DRIFT_MODELS if name in times}
    print(f"{label}: dbt build {wall:.2f}s wall, drift models {sum(drift.values()):.2f}s")
    for name, seconds in sorted(drift.items(), key=lambda item: -item[1]):
        print(f"  {seconds:8.2f}s  {name}")


def nightly(warehouse: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        last = _hold_back_last_day(warehouse)
        full, night = Path(tmp) / "full", Path(tmp) / "night"
        started = time.perf_counter()
        _dbt(warehouse, full, "build", "--full-refresh")
        _report(f"full build (before {last})", _times(full), time.perf_counter() - started)
        _restore(warehouse)
        started = time.perf_counter()
        _dbt(warehouse, night, "build")
        _report(f"nightly build (adds {last})", _times(night), time.perf_counter() - started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse")
    parser.add_argument("--nightly", action="store_true", help="full build, then the next night")
    args = parser.parse_args()
    (nightly if args.nightly else drift_only)(args.warehouse)
