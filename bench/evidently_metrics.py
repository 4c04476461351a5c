"""The peer with Evidently: the per-day work of the dbt marts, with
Evidently's own metrics where it has them.

Per day:
  - classification, one Report per group at the dbt mart's four rollup
    levels (version x segment, version, segment, model: 15 groups a day on
    the bench data): Accuracy, Precision, Recall, F1Score, RocAuc, LogLoss
    and RowCount on the group's labeled predictions, and the latency p50,
    p95 and p99 (QuantileValue) and RowCount on all its predictions. The
    individual metrics, not ClassificationPreset, which adds plots and
    metrics the mart does not compute. Evidently has no average precision,
    Brier score or ECE, so those are not computed. One Report per group:
    Evidently's GroupBy container gives every group the whole day's value
    for these metrics (they read the report's whole dataset), so it cannot
    stand in for the rollups.
  - drift at model level, one Report against the first 7 days pooled (the
    dbt default reference): ValueDrift 'ks' and 'psi' of every numeric
    feature and of the score (the marts' `__prediction__`), 'psi' and
    'jensenshannon' of every categorical feature: 4 series and 8 values a
    day on the bench data.

The numbers are Evidently's, not the contract's: its PSI of a numeric
column bins reference and current together into Sturges equal-width bins
(not 10 reference deciles) and replaces empty shares instead of flooring
them at 0.0001; its 'ks' reports only ks_2samp's p-value (method 'auto':
asymptotic, as ours, once the reference exceeds 10,000 values, i.e. from
1,429 rows a day), not the statistic; its 'jensenshannon' is
in natural log (our base 2 is its value / sqrt(ln 2)); its labels come from
score >= 0.5, not the served predicted_label (the same on the bench data).
The timed loop is the per-day work; loading the Parquet and the reference
is paid once. Runs in its own virtualenv (Evidently needs pandas < 3); see
bench/requirements-evidently.txt.

    .cache/bench-evidently/bin/python bench/evidently_metrics.py DIR [MAX_DAYS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
from evidently import BinaryClassification, DataDefinition, Dataset, Report
from evidently.metrics import (
    Accuracy,
    F1Score,
    LogLoss,
    Precision,
    QuantileValue,
    Recall,
    RocAuc,
    RowCount,
    ValueDrift,
)
from peer_input import LEVELS, REFERENCE_DAYS, load


def values(report: Report, data: pd.DataFrame, definition: DataDefinition, reference=None):
    snapshot = report.run(Dataset.from_pandas(data, data_definition=definition), reference)
    return [metric["value"] for metric in snapshot.dict()["metrics"]]


def main(folder: Path, max_days: int | None) -> None:
    rows, features = load(folder)

    # Features wide, one column each: numeric where numeric_value is set,
    # categorical where only category_value is (as int_drift_observations).
    numeric = features[features.numeric_value.notna()].pivot(
        index="prediction_id", columns="feature_name", values="numeric_value"
    )
    categorical = features[features.numeric_value.isna() & features.category_value.notna()].pivot(
        index="prediction_id", columns="feature_name", values="category_value"
    )
    rows = rows.join(numeric, on="prediction_id").join(categorical, on="prediction_id")
    numeric_columns = [*numeric.columns, "score"]
    categorical_columns = list(categorical.columns)

    labeled_definition = DataDefinition(
        numerical_columns=["score"],
        classification=[
            BinaryClassification(target="target", prediction_probas="score", pos_label=1)
        ],
    )
    quality = [Accuracy(), Precision(), Recall(), F1Score(), RocAuc(), LogLoss(), RowCount()]
    classification_report = Report(quality)
    one_class_report = Report([m for m in quality if not isinstance(m, RocAuc)])
    all_definition = DataDefinition(numerical_columns=["latency_ms"])
    latency_report = Report(
        [RowCount(), *(QuantileValue(column="latency_ms", quantile=q) for q in (0.5, 0.95, 0.99))]
    )

    drift_columns = [*numeric_columns, *categorical_columns]
    drift_definition = DataDefinition(
        numerical_columns=numeric_columns, categorical_columns=categorical_columns
    )
    drift_report = Report(
        [
            # Evidently 0.7.23's method names for ks_2samp, PSI and the
            # Jensen-Shannon distance are 'ks', 'psi' and 'jensenshannon'.
            *(ValueDrift(column=c, method=m) for c in numeric_columns for m in ("ks", "psi")),
            *(
                ValueDrift(column=c, method=m)
                for c in categorical_columns
                for m in ("psi", "jensenshannon")
            ),
        ]
    )
    days = sorted(rows.day.unique())
    reference = Dataset.from_pandas(
        rows[rows.day.isin(days[:REFERENCE_DAYS])][drift_columns],
        data_definition=drift_definition,
    )

    classification, drift = [], []
    started = time.perf_counter()
    measured = days if max_days is None else days[:max_days]
    for day in measured:
        today = rows[rows.day == day]
        for keys in LEVELS:
            groups = today.groupby(keys) if keys else [((), today)]
            for key, group in groups:
                labeled = group[group.actual_value.notna()].copy()
                labeled["target"] = labeled.actual_value.astype(int)
                report = (
                    classification_report if labeled.target.nunique() == 2 else one_class_report
                )
                classification.append(
                    (
                        day,
                        key,
                        values(report, labeled[["target", "score"]], labeled_definition),
                        values(latency_report, group[["latency_ms"]], all_definition),
                    )
                )
        drift.append((day, values(drift_report, today[drift_columns], drift_definition, reference)))
    per_day = (time.perf_counter() - started) / max(len(measured), 1)
    series = len(numeric_columns) + len(categorical_columns)
    print(
        f"evidently: {len(classification)} classification groups, "
        f"{len(drift) * series} drift rows ({series} series x {len(drift)} days, "
        f"{sum(len(v) for _, v in drift)} drift values)"
    )
    print(f"evidently: {len(measured)} of {len(days)} days, {per_day:.3f} s per day")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)
