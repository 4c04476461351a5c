"""Random ranking, regression and generation predictions and labels, made
here (not by the demo generator) with the edge cases the contract cares
about: lists shorter than K, tied scores with distinct (gapped) ranks, rows
delivered out of order, requests with no relevant judgment or none at all,
relevant items that were not served, revised labels, items missing from the
catalog or without category/created_at, zero and constant true values, a
group of one row, empty and null texts, and a day with no labels at all."""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS = pd.date_range("2026-05-01", periods=4, freq="D")
NO_LABEL_DAY = 3  # nothing labeled for any task on the last day
SEGMENTS = ["web", "ios", None]
CATEGORIES = ["a", "b", "c", "d", None]
WORDS = [
    "the",
    "a",
    "user",
    "account",
    "agent",
    "reset",
    "refund",
    "invoice",
    "login",
    "issue",
    "fixed",
    "open",
    "sent",
    "app",
]


def _labeled_at(day: pd.Timestamp, rng: np.random.Generator) -> pd.Timestamp:
    return day + pd.Timedelta(hours=int(rng.integers(1, 40)))


def ranking_frames(rng: np.random.Generator) -> dict[str, list[dict]]:
    n_items = 70
    created = DAYS[0] - pd.to_timedelta(rng.integers(-3 * 86400, 20 * 86400, n_items), unit="s")
    items = [
        {
            "item_id": f"i{i}",
            "category": CATEGORIES[int(rng.integers(0, len(CATEGORIES)))],
            "created_at": None if i % 17 == 0 else created[i],
        }
        for i in range(n_items)
    ]
    # popular items get most of the traffic, so exposure is unequal
    weights = np.exp(-np.arange(n_items + 5) / 15.0)
    weights /= weights.sum()
    preds, labels = [], []
    for d, day in enumerate(DAYS):
        for version in ("a", "b"):
            for r in range(40 if version == "a" else 15):
                request = f"{day.date()}-{version}-{r}"
                segment = SEGMENTS[int(rng.integers(0, 3))]
                length = int(rng.integers(2, 13))  # often shorter than K = 10, sometimes than 5
                # item ids >= n_items are missing from the catalog
                served = rng.choice(n_items + 5, size=length, replace=False, p=weights)
                gap = int(rng.integers(1, 3))  # ranks 1, 2, 3... or 1, 3, 5...
                ranks = 1 + gap * np.arange(length)
                scores = np.round(np.sort(rng.random(length))[::-1], 1)  # ties, rank decides
                if r % 7 == 0:
                    scores[:] = 0.5  # every score tied
                at = day + pd.Timedelta(seconds=int(rng.integers(0, 86399)))
                explore = bool(rng.random() < 0.2)
                for position in rng.permutation(length):  # delivered out of order
                    preds.append(
                        {
                            "prediction_id": f"{request}-{position}",
                            "model_name": "recsys",
                            "model_version": version,
                            "task_type": "ranking",
                            "predicted_at": at,
                            "segment": segment,
                            "score": float(scores[position]),
                            "request_id": request,
                            "item_id": f"i{served[position]}",
                            "rank": int(ranks[position]),
                            "is_exploration": explore,
                            "latency_ms": float(np.round(rng.lognormal(4, 0.5), 1)),
                        }
                    )
                if d == NO_LABEL_DAY or r % 9 == 4:
                    continue  # no judgment at all for this list
                judged = [s for s in served if rng.random() < 0.6]
                unserved = [
                    i for i in rng.choice(n_items, size=2, replace=False) if i not in served
                ]
                only_zero = r % 5 == 0  # judged, but nothing relevant
                for item in judged + unserved[: int(rng.integers(0, 3))]:
                    grade = (
                        0 if only_zero else int(rng.choice([0, 1, 2, 3], p=[0.4, 0.3, 0.2, 0.1]))
                    )
                    labels.append(
                        {
                            "request_id": request,
                            "item_id": f"i{item}",
                            "actual_value": float(grade),
                            "labeled_at": _labeled_at(day, rng),
                        }
                    )
                    if rng.random() < 0.1:  # an earlier, superseded judgment
                        labels.append(
                            {
                                "request_id": request,
                                "item_id": f"i{item}",
                                "actual_value": float(3 - grade),
                                "labeled_at": day,
                            }
                        )
    return {"items": items, "predictions": preds, "labels": labels}


def regression_frames(rng: np.random.Generator) -> dict[str, list[dict]]:
    preds, labels = [], []
    for d, day in enumerate(DAYS):
        for version, n in (("a", 120), ("b", 40)):
            for i in range(n):
                pid = f"reg-{day.date()}-{version}-{i}"
                segment = SEGMENTS[int(rng.integers(0, 3))]
                actual = float(np.round(rng.lognormal(4, 0.6), 2))
                if rng.random() < 0.05:
                    actual = 0.0  # skipped by MAPE
                if d == 1 and version == "b":
                    actual = 42.0  # constant true values: r2 undefined for this group
                predicted = float(
                    np.round(actual * np.exp(rng.normal(0, 0.2)) + rng.normal(0, 3), 2)
                )
                preds.append(
                    {
                        "prediction_id": pid,
                        "model_name": "valuer",
                        "model_version": version,
                        "task_type": "regression",
                        "predicted_at": day + pd.Timedelta(seconds=int(rng.integers(0, 86399))),
                        "segment": segment,
                        "predicted_value": predicted,
                        "latency_ms": float(np.round(rng.lognormal(3, 0.4), 1)),
                    }
                )
                if d == NO_LABEL_DAY or rng.random() < 0.15:
                    continue
                labels.append(
                    {
                        "prediction_id": pid,
                        "actual_value": actual,
                        "labeled_at": _labeled_at(day, rng),
                    }
                )
                if rng.random() < 0.05:  # superseded by the label above
                    labels.append(
                        {"prediction_id": pid, "actual_value": actual + 7, "labeled_at": day}
                    )
    # a segment with a single labeled row: r2 undefined (sklearn: nan)
    preds.append(
        {
            "prediction_id": "reg-lonely",
            "model_name": "valuer",
            "model_version": "a",
            "task_type": "regression",
            "predicted_at": DAYS[0] + pd.Timedelta(hours=5),
            "segment": "tv",
            "predicted_value": 10.0,
            "latency_ms": 5.0,
        }
    )
    labels.append({"prediction_id": "reg-lonely", "actual_value": 12.5, "labeled_at": DAYS[1]})
    return {"predictions": preds, "labels": labels}


def _sentence(rng: np.random.Generator, low: int = 3, high: int = 14) -> str:
    return " ".join(rng.choice(WORDS, size=int(rng.integers(low, high))))


def generation_frames(rng: np.random.Generator) -> dict[str, list[dict]]:
    preds, labels = [], []
    for d, day in enumerate(DAYS):
        for version, n in (("a", 50), ("b", 20)):
            for i in range(n):
                pid = f"gen-{day.date()}-{version}-{i}"
                reference = _sentence(rng) + "."
                words = reference.split()
                kept = [w for w in words if rng.random() < 0.7] + list(
                    rng.choice(WORDS, size=int(rng.integers(0, 3)))
                )
                generated = " ".join(kept)
                if rng.random() < 0.03:
                    generated = None  # scored as ''
                preds.append(
                    {
                        "prediction_id": pid,
                        "model_name": "writer",
                        "model_version": version,
                        "task_type": "generation",
                        "predicted_at": day + pd.Timedelta(seconds=int(rng.integers(0, 86399))),
                        "segment": SEGMENTS[int(rng.integers(0, 3))],
                        "generated_text": generated,
                        "latency_ms": float(np.round(rng.lognormal(6, 0.3), 1)),
                    }
                )
                if d == NO_LABEL_DAY or rng.random() < 0.4:
                    continue
                if rng.random() < 0.05:
                    reference = ""  # an empty reference text
                elif rng.random() < 0.03:
                    reference = None  # a label row without a reference: not a pair
                labels.append(
                    {
                        "prediction_id": pid,
                        "reference_text": reference,
                        "labeled_at": _labeled_at(day, rng),
                    }
                )
    return {"predictions": preds, "labels": labels}


def task_frames(seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    parts = [ranking_frames(rng), regression_frames(rng), generation_frames(rng)]
    out: dict[str, list[dict]] = {}
    for part in parts:
        for table, rows in part.items():
            out.setdefault(table, []).extend(rows)
    return {table: pd.DataFrame(rows) for table, rows in out.items()}
