"""The same per-day classification quality and drift with Evidently, one
Report per day (model level only: fewer groups than the dbt mart's four
rollup levels, so the comparison flatters Evidently). Runs in its own
virtualenv (Evidently needs pandas < 3); see bench/requirements-evidently.txt.

    .cache/bench-evidently/bin/python bench/evidently_metrics.py DIR [MAX_DAYS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
from evidently import BinaryClassification, DataDefinition, Dataset, Report
from evidently.metrics import Accuracy, LogLoss, RocAuc, ValueDrift
from evidently.presets import ClassificationPreset


def main(folder: Path, max_days: int | None) -> None:
    predictions = pd.read_parquet(folder / "predictions.parquet")
    labels = pd.read_parquet(folder / "labels.parquet")
    feature = pd.read_parquet(folder / "feature.parquet")
    predictions = predictions.sort_values(["prediction_id", "predicted_at"]).drop_duplicates(
        "prediction_id", keep="first"
    )
    labels = labels.sort_values(["prediction_id", "labeled_at"]).drop_duplicates(
        "prediction_id", keep="last"
    )
    rows = predictions.merge(labels, on="prediction_id", how="left").merge(
        feature[["prediction_id", "numeric_value"]], on="prediction_id", how="left"
    )
    rows = rows[rows.actual_value.notna()].copy()
    rows["target"] = rows.actual_value.astype(int)
    rows["prediction"] = rows.score.astype(float)
    rows["f_num_1"] = rows.numeric_value
    rows["day"] = rows.predicted_at.dt.floor("D")
    days = sorted(rows.day.unique())
    definition = DataDefinition(
        numerical_columns=["f_num_1", "prediction"],
        classification=[
            BinaryClassification(target="target", prediction_probas="prediction", pos_label=1)
        ],
    )
    reference = Dataset.from_pandas(
        rows[rows.day.isin(days[:7])][["target", "prediction", "f_num_1"]],
        data_definition=definition,
    )
    report = Report(
        [ClassificationPreset(), Accuracy(), LogLoss(), RocAuc(), ValueDrift(column="f_num_1")]
    )
    started = time.perf_counter()
    measured = days if max_days is None else days[:max_days]
    for day in measured:
        current = Dataset.from_pandas(
            rows[rows.day == day][["target", "prediction", "f_num_1"]],
            data_definition=definition,
        )
        report.run(current, reference)
    per_day = (time.perf_counter() - started) / max(len(measured), 1)
    print(f"evidently: {len(measured)} of {len(days)} days, {per_day:.3f} s per day")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)
