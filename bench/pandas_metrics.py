"""The peer a data scientist would write: the per-day work of the dbt
marts with pandas + sklearn + scipy, on the same rows.

Per day:
  - the classification metrics of the mart at its four rollup levels
    (version x segment, version, segment, model: 15 groups a day on the
    bench data);
  - drift at model level against the first 7 days pooled (the dbt default
    reference), as drift_numeric_daily and drift_categorical_daily compute
    it: for every numeric feature and the score (the marts'
    `__prediction__`), PSI over 10 reference-decile bins (numpy.quantile,
    searchsorted side='left', shares floored at 0.0001) and the ks_2samp
    statistic with its asymptotic p-value; for every categorical feature,
    PSI over the union of the reference's and the day's categories and the
    Jensen-Shannon distance, base 2: 4 series a day on the bench data.

Reads the Parquet export of the benchmark warehouse:
    python bench/pandas_metrics.py DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from peer_input import LEVELS, REFERENCE_DAYS, load
from scipy.spatial.distance import jensenshannon
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


def psi_of_shares(reference: np.ndarray, current: np.ndarray) -> float:
    ref, cur = np.maximum(reference, 1e-4), np.maximum(current, 1e-4)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    edges = np.quantile(reference, np.linspace(0.1, 0.9, 9))
    ref = np.bincount(np.searchsorted(edges, reference, side="left"), minlength=10) / len(reference)
    cur = np.bincount(np.searchsorted(edges, current, side="left"), minlength=10) / len(current)
    return psi_of_shares(ref, cur)


def category_drift(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """PSI and Jensen-Shannon distance (base 2) over the union of categories."""
    shares = pd.concat(
        [reference.value_counts(normalize=True), current.value_counts(normalize=True)],
        axis=1,
        keys=["ref", "cur"],
    ).fillna(0.0)
    ref, cur = shares.ref.to_numpy(), shares.cur.to_numpy()
    return psi_of_shares(ref, cur), float(jensenshannon(cur, ref, base=2))


def metrics(group: pd.DataFrame) -> dict[str, float | None]:
    labeled = group[group.actual_value.notna()]
    y = labeled.actual_value.to_numpy(dtype=int)
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
    rows, features = load(folder)

    results = []
    for keys in LEVELS:
        for key, group in rows.groupby(["day", *keys]):
            results.append({"key": key, **metrics(group)})

    # Every (prediction, feature) value, and the score as `__prediction__`.
    features = features.merge(rows[["prediction_id", "day"]], on="prediction_id")
    scores = rows[["prediction_id", "day", "score"]].rename(columns={"score": "numeric_value"})
    numeric = pd.concat(
        [
            features[features.numeric_value.notna()],
            scores[scores.numeric_value.notna()].assign(feature_name="__prediction__"),
        ]
    )
    categorical = features[features.numeric_value.isna() & features.category_value.notna()]
    days = sorted(rows.day.unique())
    in_reference = days[:REFERENCE_DAYS]
    drift = []
    for name, values in numeric.groupby("feature_name"):
        reference = values[values.day.isin(in_reference)].numeric_value.to_numpy()
        for day, group in values.groupby("day"):
            current = group.numeric_value.to_numpy()
            test = ks_2samp(reference, current, method="asymp")
            drift.append((day, name, test.statistic, test.pvalue, psi(reference, current)))
    for name, values in categorical.groupby("feature_name"):
        reference = values[values.day.isin(in_reference)].category_value
        for day, group in values.groupby("day"):
            drift.append((day, name, *category_drift(reference, group.category_value)))
    series = numeric.feature_name.nunique() + categorical.feature_name.nunique()
    print(
        f"pandas: {len(results)} metric rows, {len(drift)} drift rows "
        f"({series} series x {len(days)} days)"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
