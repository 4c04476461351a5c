"""A contract warehouse that the project did not generate: NannyML's
synthetic car-loan dataset (bench/nannyml_peer.py export) as one binary
classifier, `car_loan`, with its 7 features and labels.

    .venv/bin/python bench/small_warehouse.py DIR/car_loan.parquet WAREHOUSE [--hold-back-days N]
    .venv/bin/python bench/small_warehouse.py DIR/car_loan.parquet WAREHOUSE --append

Predictions are the dataset's rows (`y_pred_proba` the score, `y_pred` the
served label at threshold 0.5), features go long (4 numeric, 3
categorical), and every row's `repaid` is its label, arriving a day after
the prediction. No events, items or users: a model team's warehouse before
the product analytics are wired in. `--hold-back-days N` leaves the last N
days out, and `--append` puts them back: the first run and the next night
of the bench's small-warehouse row.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from python_checks.declare.contract import SOURCE_TABLES, create_table_sql  # noqa: E402

NUMERIC = ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure"]
CATEGORICAL = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]


def _insert(con: duckdb.DuckDBPyConnection, where: str) -> None:
    con.execute(
        f"""insert into raw.predictions (prediction_id, model_name, model_version, task_type,
                predicted_at, score, threshold, predicted_label)
            select cast(id as varchar), 'car_loan', 'v1', 'binary_classification',
                   cast(timestamp as timestamp), y_pred_proba, 0.5, y_pred = 1
            from car_loan where {where}"""
    )
    numeric = " union all ".join(
        f"select cast(id as varchar), '{name}', cast({name} as double), null "
        f"from car_loan where {where}"
        for name in NUMERIC
    )
    categorical = " union all ".join(
        f"select cast(id as varchar), '{name}', null, cast({name} as varchar) "
        f"from car_loan where {where}"
        for name in CATEGORICAL
    )
    con.execute(f"insert into raw.prediction_features {numeric} union all {categorical}")
    con.execute(
        f"""insert into raw.labels (prediction_id, actual_value, labeled_at)
            select cast(id as varchar), repaid, cast(timestamp as timestamp) + interval 1 day
            from car_loan where {where} and repaid is not null"""
    )


def build(parquet: Path, warehouse: Path, hold_back_days: int = 0) -> None:
    """Create the warehouse with every day but the last `hold_back_days`."""
    warehouse.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"create temp view car_loan as select * from read_parquet('{parquet}')")
        con.execute("create schema raw")
        for table in SOURCE_TABLES:
            con.execute(create_table_sql("raw", table))
        last = con.execute("select max(cast(timestamp as date)) from car_loan").fetchone()[0]
        con.execute("set variable cutoff = ?", [last])
        _insert(
            con,
            f"cast(timestamp as date) <= getvariable('cutoff') - interval {hold_back_days} day",
        )
    finally:
        con.close()


def append(parquet: Path, warehouse: Path) -> int:
    """Add the held-back days (every row newer than the warehouse's latest)."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"create temp view car_loan as select * from read_parquet('{parquet}')")
        latest = con.execute("select max(predicted_at) from raw.predictions").fetchone()[0]
        con.execute("set variable latest = ?", [latest])
        before = con.execute("select count(*) from raw.predictions").fetchone()[0]
        _insert(con, "cast(timestamp as timestamp) > getvariable('latest')")
        return con.execute("select count(*) from raw.predictions").fetchone()[0] - before
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parquet", type=Path)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--hold-back-days", type=int, default=0)
    parser.add_argument("--append", action="store_true")
    args = parser.parse_args(argv)
    if args.append:
        print(f"appended {append(args.parquet, args.warehouse):,} predictions")
    else:
        build(args.parquet, args.warehouse, args.hold_back_days)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
