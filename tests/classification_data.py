"""Random classification predictions and labels with the edge cases the
contract cares about: tied scores, a one-class day, an empty segment, a day
with all scores null, unlabeled rows and null served labels."""

from __future__ import annotations

import numpy as np
import pandas as pd


def classification_frames(seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    labels = []
    days = pd.date_range("2026-03-01", periods=5, freq="D")
    for d, day in enumerate(days):
        for version in ("a", "b"):
            n = 300 if version == "a" else 120
            for i in range(n):
                pid = f"{day.date()}-{version}-{i}"
                segment = rng.choice(["web", "ios", None], p=[0.5, 0.4, 0.1])
                y = int(rng.random() < 0.3)
                score = float(np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1))
                if rng.random() < 0.4:
                    score = round(score, 1)  # heavy ties
                if d == 3:
                    score = None  # a day with every score null
                threshold = 0.5
                label_served = None if score is None else score >= threshold
                if rng.random() < 0.03:
                    label_served = None
                rows.append(
                    {
                        "prediction_id": pid,
                        "model_name": "fraud_model",
                        "model_version": version,
                        "task_type": "binary_classification",
                        "predicted_at": day + pd.Timedelta(seconds=int(rng.integers(0, 86399))),
                        "user_id": f"u{int(rng.integers(0, 500))}",
                        "segment": segment,
                        "score": score,
                        "threshold": threshold,
                        "predicted_label": label_served,
                        "latency_ms": float(rng.lognormal(3.5, 0.4)),
                    }
                )
                if d == 2:
                    y = 0  # a one-class day: AUC undefined
                if rng.random() < 0.85:
                    labels.append(
                        {
                            "prediction_id": pid,
                            "actual_value": float(y),
                            "labeled_at": day + pd.Timedelta(days=1),
                        }
                    )
    # A segment that exists only on one day with a handful of rows.
    for i in range(3):
        pid = f"tiny-{i}"
        rows.append(
            {
                "prediction_id": pid,
                "model_name": "fraud_model",
                "model_version": "a",
                "task_type": "binary_classification",
                "predicted_at": days[0] + pd.Timedelta(hours=i),
                "segment": "android",
                "score": 0.9,
                "threshold": 0.5,
                "predicted_label": True,
                "latency_ms": 10.0,
            }
        )
    return {"predictions": pd.DataFrame(rows), "labels": pd.DataFrame(labels)}
