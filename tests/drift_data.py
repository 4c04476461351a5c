"""A contract-shaped warehouse for the drift marts, made here rather than by
the demo generator: ties at the PSI bin edges, a constant feature, a
category the reference never saw (and a reference category missing from a
day), a feature with no values on one day, a 15-row day, a model with a
day without predictions inside its reference window, a model with tiny
days (1 to 12 rows) and one with a single prediction."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

START = dt.datetime(2026, 1, 1)


def drift_frames(seed: int = 11) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    predictions, features = [], []

    def add(model, task, day, n, predicted):
        ids = [f"{model}-{day}-{i}" for i in range(n)]
        at = [START + dt.timedelta(days=day, seconds=int(s)) for s in rng.integers(0, 86_399, n)]
        frame = pd.DataFrame(
            {
                "prediction_id": ids,
                "model_name": model,
                "model_version": "v1",
                "task_type": task,
                "predicted_at": at,
                "segment": rng.choice(["web", "ios"], n),
            }
        )
        if task == "binary_classification":
            frame["score"] = predicted
            frame["threshold"] = 0.5
            frame["predicted_label"] = predicted >= 0.5
        else:
            frame["predicted_value"] = predicted
        predictions.append(frame)
        return ids

    def feature(ids, name, numeric=None, category=None):
        features.append(
            pd.DataFrame(
                {
                    "prediction_id": ids,
                    "feature_name": name,
                    "numeric_value": numeric if numeric is not None else np.nan,
                    "category_value": category,
                }
            )
        )

    for day in range(10):
        n = 15 if day == 8 else int(rng.integers(60, 260))
        shifted = day >= 7
        score = rng.beta(2, 5 if not shifted else 3, n)
        if day % 2:
            score = np.round(score, 1)  # heavy ties in the prediction itself
        ids = add("clf", "binary_classification", day, n, score)
        feature(ids, "x_ties", numeric=rng.integers(0, 6, n).astype(float))
        feature(ids, "x_cont", numeric=rng.normal(0.5 if shifted else 0.0, 1.0, n))
        feature(ids, "const", numeric=np.full(n, 3.0))
        if day != 5:
            feature(ids, "gappy", numeric=rng.exponential(2.0, n))
        categories = ["a", "b", "c", "d"] if shifted else ["a", "b", "c"]
        weights = [0.0, 0.4, 0.3, 0.3] if day == 9 else None
        if weights is None:
            weights = np.full(len(categories), 1 / len(categories))
        feature(ids, "cat", category=rng.choice(categories, n, p=weights))

    for day in [0, 1, 2, 4, 5, 6, 7, 8, 9]:  # no predictions on day 3
        n = int(rng.integers(40, 120))
        ids = add("reg", "regression", day, n, np.round(rng.lognormal(5, 0.3, n), 0))
        feature(ids, "size", numeric=np.round(rng.normal(100, 15, n)))

    # Tiny days, where ks_pvalue's effective size is 1 to 12 (the exact
    # small-n pieces): a 30-row reference of small days, then days of
    # 1, 2, 3, 5, 7 and 12 rows, continuous and heavily tied.
    sizes = [1, 2, 3, 5, 7, 12, 0, 1, 2, 3, 5, 7, 12]
    for day, n in enumerate(sizes):
        if n == 0:
            continue
        shift = 0.8 if day >= 7 else 0.0
        ids = add("tiny", "regression", day, n, rng.normal(shift, 1.0, n))
        feature(ids, "x_small", numeric=rng.normal(shift, 1.0, n))
        feature(ids, "x_small_ties", numeric=rng.integers(0, 3, n).astype(float))
    # One prediction in all: reference and day of one row each, effective
    # size round(0.5) = 0, where scipy's p-value is nan (published: null).
    ids = add("single", "regression", 0, 1, np.array([1.0]))
    feature(ids, "x_one", numeric=np.array([2.0]))

    return {
        "predictions": pd.concat(predictions, ignore_index=True),
        "prediction_features": pd.concat(features, ignore_index=True),
    }


def observations(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The long (model, day, feature, value) rows the contract measures drift on."""
    preds = frames["predictions"].copy()
    preds["metric_date"] = pd.to_datetime(preds["predicted_at"]).dt.date
    feats = frames["prediction_features"].merge(
        preds[["prediction_id", "model_name", "metric_date"]], on="prediction_id"
    )
    value = np.where(
        preds["task_type"] == "regression", preds.get("predicted_value"), preds.get("score")
    )
    own = preds[["model_name", "metric_date"]].assign(
        feature_name="__prediction__", numeric_value=value.astype(float), category_value=None
    )
    columns = ["model_name", "metric_date", "feature_name", "numeric_value", "category_value"]
    return pd.concat([feats[columns], own[columns]], ignore_index=True)
