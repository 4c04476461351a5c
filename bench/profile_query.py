"""Where a model's query spends its time: run a compiled dbt model (or any
SQL file) under DuckDB's profiler on a built warehouse and print the
operators by CPU time, with their output cardinality.

    .venv/bin/python bench/profile_query.py WAREHOUSE target/compiled/.../model.sql [more.sql ...]

The query runs read-only into a temporary table (`create temp table ... as
<model sql>`, so no column is pruned away), with the profile's memory_limit
(MPM_DUCKDB_MEMORY_LIMIT, default 3GB) and 2 threads.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def walk(node: dict, depth: int, out: list) -> None:
    name = node.get("name") or node.get("operator_name") or "?"
    seconds = node.get("timing", node.get("operator_timing", 0.0)) or 0.0
    rows = node.get("intermediate_rows", node.get("operator_cardinality", 0)) or 0
    extra = node.get("extra_info") or {}
    detail = ""
    if isinstance(extra, dict):
        for key in ("Join Type", "Conditions", "Groups", "Aggregates", "Function", "Table"):
            if key in extra:
                value = extra[key]
                detail += f" {key}={str(value)[:90]!s}"
    out.append((seconds, depth, name.strip(), rows, detail))
    for child in node.get("children", []):
        walk(child, depth + 1, out)


def profile(warehouse: str, sql: str, threads: int, memory_limit: str, top: int) -> None:
    con = duckdb.connect(warehouse, read_only=True)
    con.execute(f"set threads = {threads}")
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute("set enable_progress_bar = false")
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "profile.json"
        con.execute("pragma enable_profiling = 'json'")
        con.execute(f"pragma profiling_output = '{output}'")
        started = time.perf_counter()
        con.execute(f"create or replace temp table profiled as {sql}")
        wall = time.perf_counter() - started
        con.execute("pragma disable_profiling")
        tree = json.loads(output.read_text())
    con.close()
    rows: list = []
    for child in tree.get("operator", tree.get("children", [])):
        walk(child, 0, rows)
    query = tree.get("query", {})
    system = tree.get("system", {})
    print(
        f"wall {wall:.2f} s, cpu {query.get('cpu_time', 0):.2f} s, "
        f"peak buffer {system.get('peak_buffer_memory', 0) / 2**30:.2f} GiB, "
        f"spilled {system.get('total_bytes_spilled', 0) / 2**30:.2f} GiB"
    )
    for seconds, depth, name, card, detail in sorted(rows, key=lambda r: -r[0])[:top]:
        print(f"  {seconds:7.2f} s  {card:>11,}  {'.' * depth}{name}{detail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse")
    parser.add_argument("sql", nargs="+", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default=os.environ.get("MPM_DUCKDB_MEMORY_LIMIT", "3GB"))
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    for path in args.sql:
        sql = path.read_text().strip().rstrip(";")
        # a compiled model may end with a comment line
        sql = re.sub(r"--[^\n]*$", "", sql).strip()
        # compiled against another warehouse file: its catalog is that file's name
        catalog = Path(args.warehouse).stem
        sql = re.sub(r'"\w+"\.("\w+"\.)', f'"{catalog}".\\1', sql)
        print(f"== {path.name}", flush=True)
        profile(args.warehouse, sql, args.threads, args.memory_limit, args.top)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
