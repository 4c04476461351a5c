"""The public entry points: the simulated source tables as DataFrames or in DuckDB.

Writing goes through DuckDB's scan of registered pandas columns that still
hold integers and category codes; ids are formatted in SQL, so a large scale
never materialises millions of Python strings. Tables are declared with
python_checks.declare.contract.create_table_sql (under staging names), filled in
batches as the simulation produces them by INSERT ... SELECT with casts to
the contract types, then swapped in for the old tables in one transaction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from python_checks.declare.contract import SOURCE_TABLES, create_table_sql, optional_tables

from .registry import registry_frames
from .scenarios import World
from .simulate import simulate, simulate_parts
from .table import ID_WIDTH, Cat, Flag, Ids, Int, Null, Num, Table, Text, Ts, concat

DEFAULT_START = dt.date(2026, 10, 1)
FLUSH_ROWS = 2_000_000
STAGING_PREFIX = "__demo_new_"


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
        elif isinstance(c, Null):
            expr = "NULL"
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


def _staged_ddl(schema: str, name: str, staged: str) -> str:
    """The contract's DDL for `name`, creating it under the staging name."""
    ddl = create_table_sql(schema, name)
    head = f"TABLE {schema}.{name} ("
    if head not in ddl:  # pragma: no cover - guards a change of create_table_sql
        raise RuntimeError(f"unexpected DDL shape: {ddl[:80]!r}")
    return ddl.replace(head, f"TABLE {schema}.{staged} (", 1)


def insert_part(
    con: duckdb.DuckDBPyConnection, schema: str, part: Table, target: str | None = None
) -> None:
    """Append one part's rows to schema.<target> (default: the part's table),
    cast to the contract types."""
    if not part.n:
        return
    frame, exprs = _scan(part)
    view = f"__demo_scan_{part.name}"
    con.register(view, frame)
    try:
        con.execute(
            f"INSERT INTO {schema}.{target or part.name} SELECT {', '.join(exprs)} FROM {view}"
        )
    finally:
        con.unregister(view)


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
    world = _world(scenario, days, scale, seed, start_date)
    tables = simulate(world, progress)
    frames = {name: concat(name, tables[name]).to_frame() for name in SOURCE_TABLES}
    return {**frames, **registry_frames(world)}


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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(SOURCE_TABLES, 0)
    staged = {name: f"{STAGING_PREFIX}{name}" for name in SOURCE_TABLES}
    with duckdb.connect(str(path)) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        # Written under staging names, then swapped in by one short transaction:
        # a failed run leaves the previous tables in place, and no transaction
        # has to hold a whole scale-100 warehouse.
        swapping = False
        try:
            for name in SOURCE_TABLES:
                con.execute(_staged_ddl(schema, name, staged[name]))
            # parts are gathered per table into batches of about FLUSH_ROWS rows,
            # stored and dropped: few INSERTs, and memory bounded at any scale
            pending: dict[str, list[Table]] = {name: [] for name in SOURCE_TABLES}
            for part in simulate_parts(world, progress):
                pending[part.name].append(part)
                counts[part.name] += part.n
                if sum(p.n for p in pending[part.name]) >= FLUSH_ROWS:
                    batch = concat(part.name, pending[part.name], consume=True)
                    insert_part(con, schema, batch, staged[part.name])
                    pending[part.name] = []
            for name, parts in pending.items():
                insert_part(con, schema, concat(name, parts, consume=True), staged[name])
            con.execute("BEGIN TRANSACTION")
            swapping = True
            for name in SOURCE_TABLES:
                con.execute(f"DROP TABLE IF EXISTS {schema}.{name}")
                con.execute(f"ALTER TABLE {schema}.{staged[name]} RENAME TO {name}")
            _write_registry(con, schema, registry_frames(world), counts)
            con.execute("COMMIT")
        except BaseException:
            if swapping:
                con.execute("ROLLBACK")
            for name in SOURCE_TABLES:
                con.execute(f"DROP TABLE IF EXISTS {schema}.{staged[name]}")
            raise
        con.execute("CHECKPOINT")
    return counts


def _write_registry(
    con: duckdb.DuckDBPyConnection, schema: str, frames: dict[str, pd.DataFrame], counts: dict
) -> None:
    """The contract's optional tables: written when the scenario has them,
    dropped otherwise, so a warehouse regenerated with another scenario does
    not keep a previous one's registry."""
    for name, columns in optional_tables().items():
        con.execute(f"DROP TABLE IF EXISTS {schema}.{name}")
        frame = frames.get(name)
        if frame is None:
            continue
        con.execute(create_table_sql(schema, name))
        con.register("registry_rows", frame[list(columns)])
        casts = ", ".join(f"cast({c} as {t})" for c, t in columns.items())
        con.execute(f"INSERT INTO {schema}.{name} SELECT {casts} FROM registry_rows")
        con.unregister("registry_rows")
        counts[name] = len(frame)
