"""The public entry points: the simulated source tables as DataFrames or in DuckDB.

Writing goes through DuckDB's scan of registered pandas columns that still
hold integers and category codes; ids are formatted in SQL, so a large scale
never materialises millions of Python strings. Tables are declared with
python_checks.contract.create_table_sql, then filled by INSERT ... SELECT with
casts to the contract types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
from tqdm.auto import tqdm

from python_checks.contract import SOURCE_TABLES, create_table_sql

from .scenarios import World
from .simulate import simulate
from .table import ID_WIDTH, Cat, Flag, Ids, Int, Num, Table, Text, Ts, concat

DEFAULT_START = dt.date(2026, 10, 1)


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _scan(table: Table) -> tuple[pd.DataFrame, list[str]]:
    """The frame DuckDB scans and the SELECT list that turns it into contract rows."""
    data: dict[str, object] = {}
    exprs = []
    for col, typ in SOURCE_TABLES[table.name].items():
        c = table.columns[col]
        if isinstance(c, Ids):
            data[f"{col}__num"] = c.num
            if len(c.prefixes) == 1:
                prefix = _quote(c.prefixes[0])
            else:
                data[f"{col}__prefix"] = pd.Categorical.from_codes(c.codes, list(c.prefixes))
                prefix = f'CAST("{col}__prefix" AS VARCHAR)'
            expr = (
                f'CASE WHEN "{col}__num" >= 0 THEN '
                f"{prefix} || printf('%0{ID_WIDTH}d', \"{col}__num\") END"
            )
        elif isinstance(c, Cat):
            if c.categories:
                data[col] = c.to_categorical()
                expr = f'"{col}"'
            else:
                expr = "NULL"
        elif isinstance(c, Text):
            data[col] = c.values
            expr = f'"{col}"'
        elif isinstance(c, Num):
            # pandas NaN reaches DuckDB as NULL; a real NaN needs saying so
            data[col] = c.values
            expr = f'"{col}"'
            if c.nan_mask.any():
                data[f"{col}__nan"] = c.nan_mask
                expr = f'CASE WHEN "{col}__nan" THEN \'NaN\'::DOUBLE ELSE "{col}" END'
        elif isinstance(c, Flag | Int):
            data[col] = c.to_pandas()
            expr = f'"{col}"'
        elif isinstance(c, Ts):
            data[col] = c.us
            expr = f'"{col}"'
        else:  # pragma: no cover - Table already validated the kinds
            raise TypeError(type(c))
        exprs.append(f'CAST({expr} AS {typ}) AS "{col}"')
    return pd.DataFrame(data, index=pd.RangeIndex(table.n), copy=False), exprs


def write_table(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, parts: Sequence[Table]
) -> int:
    """Replace schema.<name> with the rows of `parts`, typed per the contract;
    return the row count."""
    con.execute(create_table_sql(schema, name))
    view = f"__demo_{name}"
    for part in parts:
        if not part.n:
            continue
        frame, exprs = _scan(part)
        con.register(view, frame)
        try:
            con.execute(f"INSERT INTO {schema}.{name} SELECT {', '.join(exprs)} FROM {view}")
        finally:
            con.unregister(view)
    return sum(part.n for part in parts)


def _world(scenario: str, days: int, scale: float, seed: int, start_date: dt.date) -> World:
    return World(scenario=scenario, days=days, scale=scale, seed=seed, start_date=start_date)


def generate_frames(
    scenario: str = "healthy",
    *,
    days: int = 30,
    scale: float = 1.0,
    seed: int = 7,
    start_date: dt.date = DEFAULT_START,
    progress: bool = False,
) -> dict[str, pd.DataFrame]:
    """The six source tables as DataFrames, contract column order and dtypes
    (str, Float64, boolean, Int32, datetime64[us]); a Float64 NaN that is not
    NA is a real NaN (the bad spam rows)."""
    tables = simulate(_world(scenario, days, scale, seed, start_date), progress)
    return {name: concat(name, tables[name]).to_frame() for name in SOURCE_TABLES}


def generate_warehouse(
    path: str | Path,
    scenario: str = "healthy",
    *,
    days: int = 30,
    scale: float = 1.0,
    seed: int = 7,
    start_date: dt.date = DEFAULT_START,
    schema: str = "raw",
    progress: bool = False,
) -> dict[str, int]:
    """Write schema `schema` of the DuckDB file at `path` (created if absent;
    the six tables replaced), return row counts per table."""
    if not schema.isidentifier():
        raise ValueError(f"schema must be a plain identifier, got {schema!r}")
    world = _world(scenario, days, scale, seed, start_date)
    tables = simulate(world, progress)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = {}
    with duckdb.connect(str(path)) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for name in tqdm(SOURCE_TABLES, desc="write", unit="table", disable=not progress):
            counts[name] = write_table(con, schema, name, tables.pop(name))
        con.execute("CHECKPOINT")
    return counts
