"""The NannyML peer of the small-warehouse row: NannyML 0.13's own daily
monitor on the data it ships, the synthetic car-loan dataset (one binary
classifier, 100,000 predictions over 606 days, 7 features, labels).

    .cache/bench-nannyml/bin/python bench/nannyml_peer.py export DIR
    .cache/bench-nannyml/bin/python bench/nannyml_peer.py monitor DIR

`export` writes the dataset (reference and analysis periods with their
targets) to DIR/car_loan.parquet; bench/small_warehouse.py turns that file
into a contract warehouse, so `mpm run` and NannyML read the same rows.

`monitor` is what a NannyML user runs every night, timed as a whole process
(imports and reading the file included, as `mpm run` is): univariate drift
of the 7 features and the score with NannyML's default methods
(Jensen-Shannon for continuous and categorical columns), fitted on the
dataset's reference period, and realized performance (ROC AUC, F1,
precision, recall, specificity, accuracy, average precision), both in
daily chunks over all 606 days, as the marts compute every day. It prints
one line with the chunk and result counts. Runs in its own virtualenv
(NannyML needs pandas < 3), from bench/requirements-nannyml.txt.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

FEATURES = [
    "car_value",
    "salary_range",
    "debt_to_income_ratio",
    "loan_length",
    "repaid_loan_on_prev_car",
    "size_of_downpayment",
    "driver_tenure",
]
CATEGORICAL = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]
METRICS = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy", "average_precision"]


def export(folder: Path) -> None:
    import nannyml as nml
    import pandas as pd

    reference, analysis, targets = nml.load_synthetic_car_loan_dataset()
    analysis = analysis.merge(targets, on="id")
    reference["period"] = "reference"
    analysis["period"] = "analysis"
    rows = pd.concat([reference, analysis], ignore_index=True)
    rows["timestamp"] = pd.to_datetime(rows["timestamp"])
    folder.mkdir(parents=True, exist_ok=True)
    rows.to_parquet(folder / "car_loan.parquet", index=False)
    print(f"exported {len(rows):,} rows to {folder / 'car_loan.parquet'}")


def monitor(folder: Path) -> None:
    import nannyml as nml
    import pandas as pd

    rows = pd.read_parquet(folder / "car_loan.parquet")
    reference = rows[rows.period == "reference"]
    drift = nml.UnivariateDriftCalculator(
        column_names=[*FEATURES, "y_pred_proba"],
        treat_as_categorical=CATEGORICAL,
        timestamp_column_name="timestamp",
        chunk_period="D",
    ).fit(reference)
    drift_results = drift.calculate(rows).to_df()
    performance = nml.PerformanceCalculator(
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="repaid",
        timestamp_column_name="timestamp",
        problem_type="classification_binary",
        metrics=METRICS,
        chunk_period="D",
    ).fit(reference)
    performance_results = performance.calculate(rows).to_df()
    print(
        f"nannyml: {len(drift_results)} daily chunks of drift "
        f"({len(FEATURES) + 1} columns), {len(performance_results)} of performance "
        f"({len(METRICS)} metrics)"
    )


if __name__ == "__main__":
    started = time.perf_counter()
    {"export": export, "monitor": monitor}[sys.argv[1]](Path(sys.argv[2]))
    print(f"in-process seconds: {time.perf_counter() - started:.2f}", file=sys.stderr)
