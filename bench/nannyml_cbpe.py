"""NannyML's CBPE on the data of bench/cbpe_compare.py, in NannyML's own
virtualenv (.cache/bench-nannyml, from bench/requirements-nannyml.txt):

    .cache/bench-nannyml/bin/python bench/nannyml_cbpe.py DIR

reads DIR/predictions.parquet (one row per prediction: metric_date, score,
predicted_label, label or null, is_reference) and writes DIR/nannyml.csv:
per analysis day the CBPE estimates of accuracy, precision, recall, f1 and
roc_auc. CBPE is fitted on the reference rows (the same window and labeled
predictions the SQL calibrates on) with NannyML's defaults (isotonic
calibration), chunked by day over every prediction, labeled or not.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")  # no telemetry

import nannyml as nml  # noqa: E402
import pandas as pd  # noqa: E402

METRICS = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "f1",
    "roc_auc": "auc_roc",
}


def main(folder: Path) -> int:
    rows = pd.read_parquet(folder / "predictions.parquet")
    rows["timestamp"] = pd.to_datetime(rows["metric_date"]) + pd.Timedelta(hours=12)
    rows["y_pred"] = rows["predicted_label"].astype(int)
    reference = rows[rows["is_reference"] & rows["label"].notna()].copy()
    reference["label"] = reference["label"].astype(int)
    analysis = rows[~rows["is_reference"]].drop(columns=["label"])
    estimator = nml.CBPE(
        problem_type="classification_binary",
        y_pred_proba="score",
        y_pred="y_pred",
        y_true="label",
        timestamp_column_name="timestamp",
        metrics=list(METRICS),
        chunk_period="D",
    )
    estimator.fit(reference)
    result = estimator.estimate(analysis).filter(period="analysis").to_df()
    out = pd.DataFrame({"metric_date": result[("chunk", "start_date")].dt.strftime("%Y-%m-%d")})
    for name, ours in METRICS.items():
        out[ours] = result[(name, "value")].to_numpy()
    out.to_csv(folder / "nannyml.csv", index=False)
    print(f"nannyml {nml.__version__}: {len(out)} analysis days estimated")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
