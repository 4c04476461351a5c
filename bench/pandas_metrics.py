"""The peer a data scientist would write: the same per-day classification
metrics with pandas + sklearn, at the same four rollup levels as the dbt
mart (version x segment, version, segment, model), and drift of one numeric
feature against the first 7 days with scipy's ks_2samp and PSI.

Reads the Parquet export of the benchmark warehouse:
    python bench/pandas_metrics.py DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)


def ece(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    index = np.minimum(np.floor(scores * bins), bins - 1)
    frame = pd.DataFrame({"b": index, "y": labels, "s": scores})
    grouped = frame.groupby("b").agg(n=("y", "size"), y=("y", "mean"), s=("s", "mean"))
    return float((grouped.n / len(frame) * (grouped.y - grouped.s).abs()).sum())


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    edges = np.quantile(reference, np.linspace(0.1, 0.9, 9))
    ref = np.bincount(np.searchsorted(edges, reference, side="left"), minlength=10) / len(reference)
    cur = np.bincount(np.searchsorted(edges, current, side="left"), minlength=10) / len(current)
    ref, cur = np.maximum(ref, 1e-4), np.maximum(cur, 1e-4)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def metrics(group: pd.DataFrame) -> dict[str, float | None]:
    labeled = group[group.label.notna()]
    y = labeled.label.to_numpy(dtype=int)
    served = labeled.predicted_label.to_numpy(dtype=bool)
    score = labeled.score.to_numpy()
    two_classes = len(np.unique(y)) == 2
    return {
        "n_predictions": len(group),
        "n_labeled": len(labeled),
        "accuracy": accuracy_score(y, served) if len(y) else None,
        "precision": precision_score(y, served, zero_division=np.nan) if len(y) else None,
        "recall": recall_score(y, served, zero_division=np.nan) if len(y) else None,
        "f1": f1_score(y, served, zero_division=np.nan) if len(y) else None,
        "auc_roc": roc_auc_score(y, score) if two_classes else None,
        "average_precision": average_precision_score(y, score) if y.sum() else None,
        "log_loss": log_loss(y, np.clip(score, 1e-15, 1 - 1e-15), labels=[0, 1])
        if len(y)
        else None,
        "brier_score": brier_score_loss(y, score) if len(y) else None,
        "ece": ece(y, score) if len(y) else None,
        "latency_p50_ms": float(np.percentile(group.latency_ms, 50)),
        "latency_p95_ms": float(np.percentile(group.latency_ms, 95)),
        "latency_p99_ms": float(np.percentile(group.latency_ms, 99)),
    }


def main(folder: Path) -> None:
    predictions = pd.read_parquet(folder / "predictions.parquet")
    labels = pd.read_parquet(folder / "labels.parquet")
    feature = pd.read_parquet(folder / "feature.parquet")

    predictions = predictions.sort_values(["prediction_id", "predicted_at"]).drop_duplicates(
        "prediction_id", keep="first"
    )
    labels = labels.sort_values(["prediction_id", "labeled_at"]).drop_duplicates(
        "prediction_id", keep="last"
    )
    rows = predictions.merge(
        labels.rename(columns={"actual_value": "label"})[["prediction_id", "label"]],
        on="prediction_id",
        how="left",
    )
    rows["segment"] = rows.segment.fillna("unknown")
    rows["day"] = rows.predicted_at.dt.floor("D")

    results = []
    for keys in (["model_version", "segment"], ["model_version"], ["segment"], []):
        for key, group in rows.groupby(["day", *keys]):
            results.append({"key": key, **metrics(group)})

    feature = feature.merge(predictions[["prediction_id", "predicted_at"]], on="prediction_id")
    feature["day"] = feature.predicted_at.dt.floor("D")
    days = sorted(feature.day.unique())
    reference = feature[feature.day.isin(days[:7])].numeric_value.to_numpy()
    drift = []
    for day, group in feature.groupby("day"):
        values = group.numeric_value.to_numpy()
        test = ks_2samp(reference, values)
        drift.append((day, test.statistic, test.pvalue, psi(reference, values)))
    print(f"pandas: {len(results)} metric rows, {len(drift)} drift rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
