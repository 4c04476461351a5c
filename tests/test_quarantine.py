"""Bad rows end in a quarantine model with a reason, duplicates are removed
(earliest delivery kept) and counted, and the ledger reconciles:
rows in = accepted + quarantined + superseded."""

from __future__ import annotations

import pytest

from tests.conftest import dbt_build, query, write_warehouse
from tests.fixtures.quarantine_data import BAD_ROWS, quarantine_frames


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("quarantine")
    path = write_warehouse(root / "wh.duckdb", quarantine_frames())
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


def test_rows_without_a_model_publish_no_model(warehouse):
    # An empty model_name is quarantined like a null one: no metrics for model ''.
    models = query(warehouse, "select distinct model_name from metrics_daily order by 1")
    # __unknown__ holds the data-quality counts of labels that match no model.
    assert models.model_name.tolist() == ["__unknown__", "spam_filter"]
    unknown = query(
        warehouse, "select distinct layer from metrics_daily where model_name = '__unknown__'"
    )
    assert unknown.layer.tolist() == ["data_quality"]
