"""Contract-shaped classification data, generated inside DuckDB with SQL
(range() and hash()-based pseudo-random numbers, no Python loop), so a
billion rows cost what DuckDB costs, not what Python costs.

Every random quantity is a pure function of the row number and a salt, so
the labels, the features and the re-deliveries agree with the predictions
they belong to, and the same arguments give the same warehouse.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from python_checks.declare.contract import SOURCE_TABLES, create_table_sql

START = "2026-01-01"
SEGMENTS = ("web", "ios", "android")
COUNTRIES = ("us", "de", "fr", "br", "in")


def _uniform(salt: str, key: str = "i") -> str:
    """A pseudo-random double in [0, 1) from the row number."""
    return f"((hash({key}, '{salt}') % 1000003) / 1000003.0)"


def _rows(first_day: int, days: int, rows_per_day: int) -> str:
    """One row per prediction of days [first_day, first_day + days): its
    global number i, day d, label y and score."""
    n = days * rows_per_day
    first = first_day * rows_per_day
    return f"""
        select
            i,
            i // {rows_per_day} as d,
            case when {_uniform("y")} < 0.3 then 1 else 0 end as y
        from range({first}, {first + n}) as t(i)
    """


def _predictions_sql(first_day: int, days: int, rows_per_day: int) -> str:
    segments = ", ".join(f"'{s}'" for s in SEGMENTS)
    segment = f"[{segments}, null][cast(1 + hash(i, 's') % 4 as bigint)]"
    noise = f"({_uniform('a')} + {_uniform('b')} + {_uniform('c')} - 1.5)"
    # A slow decline after two thirds of the period: something to measure.
    quality = f"case when d > {first_day + days} * 2 / 3 then 0.2 else 0.3 end"
    return f"""
        select
            'p' || i as prediction_id,
            'spam_filter' as model_name,
            case when hash(i, 'v') % 3 = 0 then 'v2' else 'v1' end as model_version,
            'binary_classification' as task_type,
            timestamp '{START}'
                + to_seconds(d * 86400 + (i % {rows_per_day}) * 86400 // {rows_per_day})
                as predicted_at,
            'u' || (hash(i, 'u') % 100000) as user_id,
            {segment} as segment,
            round(greatest(0.0, least(1.0, 0.35 + {quality} * y + 0.25 * {noise})), 4) as score,
            0.5 as threshold,
            round(greatest(0.0, least(1.0, 0.35 + {quality} * y + 0.25 * {noise})), 4) >= 0.5
                as predicted_label,
            20 + 200 * pow({_uniform("l")}, 3) as latency_ms,
            d,
            y
        from ({_rows(first_day, days, rows_per_day)}) as r
    """


def create_sources(con: duckdb.DuckDBPyConnection, schema: str = "raw") -> None:
    con.execute(f"create schema if not exists {schema}")
    for table in SOURCE_TABLES:
        con.execute(create_table_sql(schema, table))


def append_days(
    con: duckdb.DuckDBPyConnection,
    first_day: int,
    days: int,
    rows_per_day: int,
    numeric_features: int = 2,
    schema: str = "raw",
) -> None:
    """Append `days` days of predictions (0.5 % re-delivered a minute later),
    their labels (90 % labeled, one day and a few hours later) and their
    features (numeric ones drifting slowly, one categorical) to `schema`."""
    columns = ", ".join(
        c for c in SOURCE_TABLES["predictions"] if c not in ("request_id", "item_id", "rank")
    )
    columns = columns.replace(", is_exploration", "").replace(", predicted_value", "")
    columns = columns.replace(", generated_text", "")
    con.execute(
        f"create or replace temp table generated as "
        f"{_predictions_sql(first_day, days, rows_per_day)} order by predicted_at"
    )
    con.execute(f"insert into {schema}.predictions ({columns}) select {columns} from generated")
    con.execute(
        f"insert into {schema}.predictions ({columns}) "
        f"select {columns.replace('predicted_at', 'predicted_at + interval 1 minute')} "
        f"from generated where hash(prediction_id, 'dup') % 200 = 0"
    )
    con.execute(
        f"""
        insert into {schema}.labels (prediction_id, actual_value, labeled_at)
        select prediction_id, y,
            predicted_at + interval 1 day + to_seconds(hash(prediction_id, 'h') % 21600)
        from generated
        where hash(prediction_id, 'labeled') % 10 <> 0
        order by 3
        """
    )
    numeric = [
        f"""
        select prediction_id, 'f_num_{k}' as feature_name,
            (d - {first_day}) * 0.002 * {k}
            + {_uniform(f"f{k}a", "prediction_id")} + {_uniform(f"f{k}b", "prediction_id")}
                as numeric_value,
            null as category_value
        from generated
        """
        for k in range(1, numeric_features + 1)
    ]
    countries = ", ".join(f"'{c}'" for c in COUNTRIES)
    categorical = f"""
        select prediction_id, 'f_country' as feature_name, null as numeric_value,
            [{countries}][cast(1 + hash(prediction_id, 'c') % {len(COUNTRIES)} as bigint)]
                as category_value
        from generated
    """
    con.execute(
        f"insert into {schema}.prediction_features {' union all '.join([*numeric, categorical])}"
    )
    con.execute("drop table generated")


def generate(
    path: Path, days: int, rows_per_day: int, numeric_features: int = 2, threads: int = 2
) -> None:
    """A fresh warehouse at `path` with `days` days of data."""
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(f"set threads = {threads}")
        con.execute("set enable_progress_bar = false")
        create_sources(con)
        # A day at a time keeps the generator's memory flat at any size.
        chunk = max(1, 20_000_000 // max(rows_per_day, 1))
        for first in range(0, days, chunk):
            append_days(con, first, min(chunk, days - first), rows_per_day, numeric_features)
        con.execute("checkpoint")
    finally:
        con.close()
