"""The contract's metrics computed by the reference libraries (sklearn,
numpy), row by row. The reconciliation check and the tests compare the SQL
marts with these; nothing here is used to publish a number."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn import metrics as skm

LOG_LOSS_EPS = 1e-15


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def classification_metrics(rows: pd.DataFrame, ece_bins: int = 10) -> dict[str, float | None]:
    """Every classification metric of the contract for one group of predictions.

    `rows` has columns score, threshold, predicted_label, label (0/1 or NA),
    latency_ms. Undefined values are None (the contract's null).
    """
    out: dict[str, float | None] = {}
    n = len(rows)
    labeled = rows[rows["label"].notna()]
    out["n_predictions"] = float(n)
    out["n_labeled"] = float(len(labeled))
    out["label_coverage"] = _ratio(len(labeled), n)

    served = labeled[labeled["predicted_label"].notna()]
    y = served["label"].astype(int).to_numpy()
    y_hat = served["predicted_label"].astype(bool).astype(int).to_numpy()
    if len(served):
        tn, fp, fn, tp = skm.confusion_matrix(y, y_hat, labels=[0, 1]).ravel()
    else:
        tn = fp = fn = tp = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["accuracy"] = skm.accuracy_score(y, y_hat) if len(served) else None
        out["precision"] = skm.precision_score(y, y_hat, zero_division=0) if tp + fp else None
        out["recall"] = skm.recall_score(y, y_hat, zero_division=0) if tp + fn else None
        out["f1"] = skm.f1_score(y, y_hat, zero_division=0) if tp + fp + fn else None
        out["specificity"] = (
            skm.recall_score(y, y_hat, pos_label=0, zero_division=0) if tn + fp else None
        )
    out["false_positive_rate"] = _ratio(fp, fp + tn)
    out["base_rate"] = float(labeled["label"].mean()) if len(labeled) else None
    with_label = rows[rows["predicted_label"].notna()]
    out["predicted_positive_rate"] = (
        float(with_label["predicted_label"].astype(bool).mean()) if len(with_label) else None
    )

    scored = labeled[labeled["score"].notna()]
    ys = scored["label"].astype(int).to_numpy()
    ps = scored["score"].astype(float).to_numpy()
    two_classes = len(np.unique(ys)) == 2
    out["auc_roc"] = skm.roc_auc_score(ys, ps) if two_classes else None
    out["average_precision"] = (
        skm.average_precision_score(ys, ps) if len(ys) and ys.sum() > 0 else None
    )
    if len(ys):
        clipped = np.clip(ps, LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
        out["log_loss"] = float(np.mean(-(ys * np.log(clipped) + (1 - ys) * np.log(1 - clipped))))
        out["brier_score"] = (
            skm.brier_score_loss(ys, ps, pos_label=1)
            if two_classes
            else float(np.mean((ps - ys) ** 2))
        )
        out["ece"] = expected_calibration_error(ys, ps, ece_bins)
    else:
        out["log_loss"] = out["brier_score"] = out["ece"] = None

    consistent = rows[
        rows["score"].notna() & rows["threshold"].notna() & rows["predicted_label"].notna()
    ]
    out["served_label_consistency"] = (
        float(
            (
                consistent["predicted_label"].astype(bool)
                == (consistent["score"] >= consistent["threshold"])
            ).mean()
        )
        if len(consistent)
        else None
    )
    latency = rows["latency_ms"].dropna().astype(float).to_numpy()
    for p in (50, 95, 99):
        out[f"latency_p{p}_ms"] = float(np.percentile(latency, p)) if len(latency) else None
    return out


def expected_calibration_error(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    """Contract ECE: bin = min(floor(score·bins), bins-1), weighted |mean label − mean score|."""
    index = np.minimum(np.floor(scores * bins), bins - 1).astype(int)
    total = 0.0
    for b in np.unique(index):
        mask = index == b
        total += mask.sum() / len(scores) * abs(labels[mask].mean() - scores[mask].mean())
    return float(total)


def relative_difference(a: float | None, b: float | None) -> float:
    """0 when both are null or equal; inf when only one is null."""
    if (
        a is None
        or b is None
        or (isinstance(a, float) and np.isnan(a))
        or (isinstance(b, float) and np.isnan(b))
    ):
        a_null = a is None or (isinstance(a, float) and np.isnan(a))
        b_null = b is None or (isinstance(b, float) and np.isnan(b))
        return 0.0 if a_null and b_null else float("inf")
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale
