"""The contract's drift definitions (section 3) in numpy/scipy, written from
the contract alone: the oracle the SQL drift marts are compared with."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp

FLOOR = 0.0001


def psi_numeric(reference: np.ndarray, current: np.ndarray) -> float:
    edges = np.quantile(reference, np.arange(1, 10) / 10)
    ref = np.bincount(np.searchsorted(edges, reference, side="left"), minlength=10)
    cur = np.bincount(np.searchsorted(edges, current, side="left"), minlength=10)
    ref = np.maximum(ref / len(reference), FLOOR)
    cur = np.maximum(cur / len(current), FLOOR)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def ks(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    with np.errstate(divide="ignore"):  # effective size 0 (1 row vs 1): nan
        result = ks_2samp(reference, current, method="asymp")
    return float(result.statistic), float(result.pvalue)


def categorical(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """(psi, js_distance) over the union of categories."""
    categories = sorted(set(reference) | set(current))
    ref = reference.value_counts().reindex(categories, fill_value=0).to_numpy() / len(reference)
    cur = current.value_counts().reindex(categories, fill_value=0).to_numpy() / len(current)
    js = float(jensenshannon(cur, ref, base=2))
    ref_f, cur_f = np.maximum(ref, FLOOR), np.maximum(cur, FLOOR)
    return float(np.sum((cur_f - ref_f) * np.log(cur_f / ref_f))), js


def expected_drift(observations: pd.DataFrame, reference_days: int = 7) -> pd.DataFrame:
    """Every drift metric of every (model, day, feature) from long observations
    (model_name, metric_date, feature_name, numeric_value, category_value)."""
    rows = []
    for model, frame in observations.groupby("model_name"):
        days = sorted(frame["metric_date"].unique())
        reference = frame[frame["metric_date"].isin(days[:reference_days])]
        for feature, ref_rows in reference.groupby("feature_name"):
            numeric = ref_rows["numeric_value"].notna().all()
            for day in days:
                cur_rows = frame[(frame["metric_date"] == day) & (frame["feature_name"] == feature)]
                if cur_rows.empty:
                    continue
                key = {"model_name": model, "metric_date": day, "feature_name": feature}
                if numeric:
                    ref, cur = (
                        ref_rows["numeric_value"].to_numpy(),
                        cur_rows["numeric_value"].to_numpy(),
                    )
                    stat, p = ks(ref, cur)
                    rows += [
                        {**key, "metric_name": "psi", "expected": psi_numeric(ref, cur)},
                        {**key, "metric_name": "ks_statistic", "expected": stat},
                        {**key, "metric_name": "ks_pvalue", "expected": p},
                    ]
                else:
                    psi, js = categorical(ref_rows["category_value"], cur_rows["category_value"])
                    rows += [
                        {**key, "metric_name": "psi", "expected": psi},
                        {**key, "metric_name": "js_distance", "expected": js},
                    ]
    return pd.DataFrame(rows)
