"""What both peers read, declared once: the benchmark warehouse's Parquet
export (bench/run.py, export) as one row per prediction with its current
label, the rollup levels of the classification mart and the drift
reference window. Imports pandas only, so it runs in the project's
virtualenv and in Evidently's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# The classification mart's rollups: version x segment, version, segment, model.
LEVELS = (["model_version", "segment"], ["model_version"], ["segment"], [])
# The dbt drift reference by default: the first 7 days with data, pooled.
REFERENCE_DAYS = 7


def load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows, features): each prediction's earliest delivery with its latest
    label's actual_value (NaN when unlabeled), segment ('unknown' for null)
    and day; and every feature row, long, as the source holds them."""
    predictions = pd.read_parquet(folder / "predictions.parquet")
    labels = pd.read_parquet(folder / "labels.parquet")
    features = pd.read_parquet(folder / "features.parquet")
    predictions = predictions.sort_values(["prediction_id", "predicted_at"]).drop_duplicates(
        "prediction_id", keep="first"
    )
    labels = labels.sort_values(["prediction_id", "labeled_at"]).drop_duplicates(
        "prediction_id", keep="last"
    )
    rows = predictions.merge(
        labels[["prediction_id", "actual_value"]], on="prediction_id", how="left"
    )
    rows["segment"] = rows.segment.fillna("unknown")
    rows["day"] = rows.predicted_at.dt.floor("D")
    return rows, features
