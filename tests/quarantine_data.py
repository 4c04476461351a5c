"""Prediction and label rows that must be quarantined, re-delivered
duplicates and revised labels: the data-quality edge cases of the contract
(tests/test_quarantine.py checks each one; the Spark test reuses them)."""

from __future__ import annotations

import pandas as pd

DAY = pd.Timestamp("2026-05-01 12:00")


def _prediction(pid, **overrides):
    row = {
        "prediction_id": pid,
        "model_name": "spam_filter",
        "model_version": "v1",
        "task_type": "binary_classification",
        "predicted_at": DAY,
        "segment": "web",
        "score": 0.7,
        "threshold": 0.5,
        "predicted_label": True,
        "latency_ms": 12.0,
    }
    row.update(overrides)
    return row


BAD_ROWS = [
    (_prediction(None), "null_prediction_id"),
    (_prediction("bad-task", task_type="multiclass"), "unknown_task_type"),
    (_prediction("nan-score", score=float("nan")), "score_not_finite"),
    (_prediction("inf-score", score=float("inf")), "score_not_finite"),
    (_prediction("big-score", score=1.5), "score_out_of_range"),
    (_prediction("neg-score", score=-0.1), "score_out_of_range"),
    (_prediction("nan-latency", latency_ms=float("nan")), "latency_not_finite"),
    (_prediction("neg-latency", latency_ms=-3.0), "latency_negative"),
    (_prediction("no-model", model_name=None), "null_model_name"),
    (_prediction("empty-model", model_name=""), "null_model_name"),
    (_prediction("no-time", predicted_at=None), "null_predicted_at"),
]


def quarantine_frames() -> dict[str, pd.DataFrame]:
    """Ten good predictions, two re-deliveries, every bad row, and labels
    that are revised, not binary, keyless or without labeled_at."""
    good = [_prediction(f"ok-{i}", score=i / 10) for i in range(10)]
    duplicates = [
        # Re-delivered later with another score: the earliest delivery wins.
        _prediction("ok-1", predicted_at=DAY + pd.Timedelta(minutes=5), score=0.99),
        _prediction("ok-2", predicted_at=DAY + pd.Timedelta(minutes=1), score=0.2),
    ]
    predictions = pd.DataFrame(good + duplicates + [row for row, _ in BAD_ROWS], dtype=object)
    labels = pd.DataFrame(
        [
            {"prediction_id": "ok-1", "actual_value": 1.0, "labeled_at": DAY},
            {
                "prediction_id": "ok-1",
                "actual_value": 0.0,
                "labeled_at": DAY + pd.Timedelta(1, "D"),
            },
            {"prediction_id": "ok-3", "actual_value": 0.5, "labeled_at": DAY},
            {"prediction_id": None, "actual_value": 1.0, "labeled_at": DAY},
            {"prediction_id": "ok-4", "actual_value": 1.0, "labeled_at": None},
        ]
    )
    return {"predictions": predictions, "labels": labels}
