"""The honest check of the estimated (label-free) metrics: on the days whose
labels did arrive, how far is each estimate from the realized metric, for
this project's SQL (classification_estimated_daily) and for NannyML's CBPE
on the same generated data (tests/fixtures/estimated_data.py)?

    .venv/bin/python bench/cbpe_compare.py [--days 30] [--seed 5] [--workdir DIR]

Builds a warehouse from the generated frames with dbt, reads the realized
metrics (classification_metrics_daily) and the SQL estimates of
fraud_model's __all__ rows, runs bench/nannyml_cbpe.py in NannyML's own
virtualenv (created on first use, like bench/run.py does), and prints the
mean absolute error per metric of both over the days after the reference
window with label coverage above 0.5, and which is closer.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from bench.run import NANNYML_REQUIREMENTS, NANNYML_VENV, peer_python  # noqa: E402
from tests.conftest import dbt_build, query, write_warehouse  # noqa: E402
from tests.fixtures.estimated_data import ONE_CLASS_DAY, estimated_frames  # noqa: E402

MODEL = "fraud_model"
REFERENCE_DAYS = 7  # dbt_project.yml drift_reference: first_days, 7
METRICS = ["accuracy", "precision", "recall", "f1", "auc_roc"]


def realized_and_sql(warehouse: Path) -> pd.DataFrame:
    keys = f"model_name = '{MODEL}' and model_version = '__all__' and segment = '__all__'"
    realized = query(
        warehouse,
        f"select metric_date, label_coverage, {', '.join(METRICS)} "
        f"from marts.classification_metrics_daily where {keys}",
    )
    estimated = query(
        warehouse,
        "select metric_date, "
        + ", ".join(f"estimated_{m} as sql_{m}" for m in METRICS)
        + f" from marts.classification_estimated_daily where {keys}",
    )
    days = realized.merge(estimated, on="metric_date").sort_values("metric_date")
    days["metric_date"] = days["metric_date"].astype(str).str[:10]
    return days.reset_index(drop=True)


def export_predictions(warehouse: Path, folder: Path, reference_days: list[str]) -> None:
    rows = query(
        warehouse,
        "select cast(metric_date as varchar) as metric_date, score, predicted_label, "
        "cast(label as double) as label from intermediate.int_classification_predictions "
        f"where model_name = '{MODEL}'",
    )
    rows["is_reference"] = rows["metric_date"].isin(reference_days)
    rows.to_parquet(folder / "predictions.parquet", index=False)


def mae_table(days: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": METRICS,
            "days": len(days),
            "mae_sql": [float((days[f"sql_{m}"] - days[m]).abs().mean()) for m in METRICS],
            "mae_nannyml": [float((days[f"nml_{m}"] - days[m]).abs().mean()) for m in METRICS],
        }
    ).assign(closer=lambda t: t.apply(
        lambda r: "sql" if r.mae_sql < r.mae_nannyml else "nannyml", axis=1
    ))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--no-one-class-day",
        action="store_true",
        help="keep the drawn labels of the reference day the fixture makes one-class",
    )
    args = parser.parse_args(argv)
    python, reason = peer_python(NANNYML_VENV, NANNYML_REQUIREMENTS, "NannyML")
    if python is None:
        print(f"not evaluated: {reason}")
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        warehouse = write_warehouse(
            folder / "wh.duckdb",
            estimated_frames(
                seed=args.seed,
                n_days=args.days,
                one_class_day=None if args.no_one_class_day else ONE_CLASS_DAY,
            ),
        )
        dbt_build(warehouse, folder / "artifacts")
        days = realized_and_sql(warehouse)
        export_predictions(warehouse, folder, list(days["metric_date"][:REFERENCE_DAYS]))
        done = subprocess.run(
            [str(python), str(ROOT / "bench" / "nannyml_cbpe.py"), str(folder)],
            capture_output=True,
            text=True,
            check=False,
            env=dict(os.environ, NML_DISABLE_USAGE_LOGGING="1"),
        )
        if done.returncode != 0:
            print(f"NannyML failed: {(done.stderr or done.stdout).strip()[-500:]}")
            return 2
        print(done.stdout.strip())
        nml = pd.read_csv(folder / "nannyml.csv", dtype={"metric_date": str})
        nml = nml.rename(columns={m: f"nml_{m}" for m in METRICS})
        days = days.merge(nml, on="metric_date")
        labeled = days[days["label_coverage"] > 0.5]
        one_class = "no one-class day" if args.no_one_class_day else "a one-class reference day"
        print(
            f"{MODEL}, all versions and segments, {len(labeled)} labeled days after the "
            f"{REFERENCE_DAYS}-day reference ({args.days} days, seed {args.seed}, {one_class}):"
        )
        print(mae_table(labeled).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
