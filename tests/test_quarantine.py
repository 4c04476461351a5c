"""Bad rows end in a quarantine model with a reason, duplicates are removed
(earliest delivery kept) and counted, and the ledger reconciles:
rows in = accepted + quarantined + superseded."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import dbt_build, query, write_warehouse

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


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("quarantine")
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
    path = write_warehouse(root / "wh.duckdb", {"predictions": predictions, "labels": labels})
    dbt_build(path, root / "artifacts")
    return path


def test_each_bad_row_is_quarantined_with_its_reason(warehouse):
    got = query(
        warehouse,
        "select coalesce(prediction_id, '<null>') as prediction_id, quarantine_reason "
        "from marts.quarantine_predictions order by 1",
    )
    expected = sorted((row["prediction_id"] or "<null>", reason) for row, reason in BAD_ROWS)
    assert list(got.itertuples(index=False, name=None)) == expected


def test_counts_reconcile(warehouse):
    ledger = query(warehouse, "select * from marts.source_reconciliation").set_index("source_table")
    predictions = ledger.loc["predictions"]
    assert predictions.rows_in == 10 + 2 + len(BAD_ROWS)
    assert predictions.rows_accepted == 10
    assert predictions.rows_quarantined == len(BAD_ROWS)
    assert predictions.rows_superseded == 2
    assert predictions.payload_conflicts == 1  # ok-1 came back with another score
    for row in ledger.itertuples():
        assert row.rows_in == row.rows_accepted + row.rows_quarantined + row.rows_superseded


def test_earliest_delivery_wins(warehouse):
    kept = query(
        warehouse, "select score from staging.stg_raw__predictions where prediction_id = 'ok-1'"
    )
    assert kept.score.tolist() == [0.1]


def test_latest_label_wins_and_bad_labels_are_quarantined(warehouse):
    labeled = query(
        warehouse,
        "select prediction_id, label from intermediate.int_classification_predictions "
        "where is_labeled order by prediction_id",
    )
    assert labeled.to_dict("records") == [{"prediction_id": "ok-1", "label": 0}]
    reasons = query(warehouse, "select quarantine_reason from marts.quarantine_labels order by 1")
    assert reasons.quarantine_reason.tolist() == [
        "classification_label_not_binary",
        "label_without_key",
        "null_labeled_at",
    ]


def test_quarantine_and_duplicates_reach_metrics_daily(warehouse):
    rows = query(
        warehouse,
        "select metric_name, metric_value, sample_size from metrics_daily "
        "where layer = 'data_quality' and model_name = 'spam_filter' order by metric_name",
    ).set_index("metric_name")
    # Rows without a model or a timestamp cannot be placed on a day.
    placed_bad = len(BAD_ROWS) - 3
    delivered = 10 + 2 + placed_bad
    assert rows.loc["quarantined_predictions", "metric_value"] == placed_bad
    assert rows.loc["duplicate_predictions", "metric_value"] == 2
    assert rows.loc["quarantine_rate", "metric_value"] == pytest.approx(placed_bad / delivered)
    assert rows.loc["quarantine_rate", "sample_size"] == delivered
