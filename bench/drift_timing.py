"""How long the drift models take on a warehouse: `dbt run` of
models/intermediate/drift and models/marts/drift (what they read upstream
is built first and not counted), run twice, best of two.

    .venv/bin/mpm generate --warehouse /tmp/x10.duckdb --scale 10
    .venv/bin/python bench/drift_timing.py /tmp/x10.duckdb
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dbt(warehouse: str, target: Path, *args: str) -> None:
    env = {**os.environ, "WAREHOUSE_PATH": warehouse}
    command = [str(ROOT / ".venv" / "bin" / "dbt"), *args, "--profiles-dir", str(ROOT)]
    command += ["--project-dir", str(ROOT), "--target-path", str(target), "-q"]
    subprocess.run(command, env=env, check=True, cwd=ROOT)


def main(warehouse: str) -> None:
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
            results = json.loads((target / "run_results.json").read_text())["results"]
            for r in results:
                name = r["unique_id"].split(".")[-1]
                best[name] = min(best.get(name, 1e9), r["execution_time"])
            best["(wall clock, dbt run)"] = min(best.get("(wall clock, dbt run)", 1e9), total)
    for name, seconds in sorted(best.items(), key=lambda item: -item[1]):
        print(f"{seconds:8.2f}s  {name}")


if __name__ == "__main__":
    main(sys.argv[1])
