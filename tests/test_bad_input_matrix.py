"""The bad-input matrix (issue 9): every way a source row can be wrong ends
in a quarantine row with its reason, or is accepted on purpose, and the
ledger reconciles: rows in = accepted + quarantined + superseded.

One warehouse holds every case (each row tagged with its case name), and one
`mpm run` with the project's thresholds builds it, so the same fixture also
shows the data-quality layer of metrics_daily, the thresholds on it, the
date-spine completeness mart and the staleness check doing their part.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from python_checks.cli import main
from python_checks.declare.contract import SOURCE_TABLES
from tests.conftest import query, shared_build_dir, write_warehouse

D = pd.Timestamp("2026-05-01 12:00")
NAN, INF = float("nan"), float("inf")
HOSTILE_MODEL = "x'; drop table raw.predictions; --"
SCRIPT = "<script>alert('xss')</script>"


def _blank(table: str) -> dict:
    # Every column present, so an object-dtype frame holds None (null) where a
    # case sets nothing, and NaN only where a case writes one.
    return dict.fromkeys(SOURCE_TABLES[table])


def _prediction(case: str, **overrides) -> dict:
    row = _blank("predictions") | {
        "prediction_id": f"p-{case}",
        "model_name": "spam_filter",
        "model_version": "v1",
        "task_type": "binary_classification",
        "predicted_at": D,
        "user_id": case,  # the case tag: quarantine_predictions keeps user_id
        "segment": "web",
        "score": 0.7,
        "threshold": 0.5,
        "predicted_label": True,
        "latency_ms": 12.0,
    }
    row.update(overrides)
    return row


def _ranking(case: str, request: str | None, item: str | None, rank, **overrides) -> dict:
    return _prediction(
        case,
        model_name="home_feed",
        task_type="ranking",
        request_id=request,
        item_id=item,
        rank=rank,
        threshold=None,
        predicted_label=None,
        score=1.0 / (rank if isinstance(rank, int) and rank > 0 else 1),
        **overrides,
    )


# (case, row, quarantine reason or None when the row is accepted on purpose)
PREDICTION_CASES = [
    ("null_id", _prediction("null_id", prediction_id=None), "null_prediction_id"),
    ("empty_id", _prediction("empty_id", prediction_id=""), "null_prediction_id"),
    ("null_version", _prediction("null_version", model_version=None), "null_model_version"),
    ("empty_version", _prediction("empty_version", model_version=""), "null_model_version"),
    ("empty_task", _prediction("empty_task", task_type=""), "null_task_type"),
    ("unknown_task", _prediction("unknown_task", task_type="multiclass"), "unknown_task_type"),
    ("nan_score", _prediction("nan_score", score=NAN), "score_not_finite"),
    ("pos_inf_score", _prediction("pos_inf_score", score=INF), "score_not_finite"),
    ("neg_inf_score", _prediction("neg_inf_score", score=-INF), "score_not_finite"),
    ("score_missing", _prediction("score_missing", score=None), "score_missing"),
    (
        "label_missing",
        _prediction("label_missing", predicted_label=None),
        "predicted_label_missing",
    ),
    ("score_above_1", _prediction("score_above_1", score=1.5), "score_out_of_range"),
    ("score_below_0", _prediction("score_below_0", score=-0.01), "score_out_of_range"),
    ("inf_threshold", _prediction("inf_threshold", threshold=INF), "threshold_not_finite"),
    ("nan_latency", _prediction("nan_latency", latency_ms=NAN), "latency_not_finite"),
    ("inf_latency", _prediction("inf_latency", latency_ms=INF), "latency_not_finite"),
    ("negative_latency", _prediction("negative_latency", latency_ms=-1.0), "latency_negative"),
    (
        "nan_predicted_value",
        _prediction(
            "nan_predicted_value",
            model_name="price_estimator",
            task_type="regression",
            score=None,
            threshold=None,
            predicted_label=None,
            predicted_value=NAN,
        ),
        "predicted_value_not_finite",
    ),
    (
        "neg_inf_predicted_value",
        _prediction(
            "neg_inf_predicted_value",
            model_name="price_estimator",
            task_type="regression",
            score=None,
            threshold=None,
            predicted_label=None,
            predicted_value=-INF,
        ),
        "predicted_value_not_finite",
    ),
    (
        "far_future",
        _prediction("far_future", predicted_at=pd.Timestamp("2100-01-01")),
        "predicted_at_in_future",
    ),
    (
        "before_epoch",
        _prediction("before_epoch", predicted_at=pd.Timestamp("1969-12-31 23:59:59")),
        "predicted_at_too_early",
    ),
    ("rank_negative", _ranking("rank_negative", "r-bad", "i1", -1), "rank_not_positive"),
    ("rank_zero", _ranking("rank_zero", "r-bad", "i2", 0), "rank_not_positive"),
    ("rank_null", _ranking("rank_null", "r-bad", "i3", None), "rank_not_positive"),
    (
        "ranking_no_request",
        _ranking("ranking_no_request", None, "i4", 1),
        "ranking_without_request_or_item",
    ),
    # Two different predictions at position 2 of one list: both quarantined.
    ("rank_dup_a", _ranking("rank_dup_a", "r-dup", "i1", 2), "rank_duplicate_in_request"),
    ("rank_dup_b", _ranking("rank_dup_b", "r-dup", "i2", 2), "rank_duplicate_in_request"),
    # ---- accepted on purpose
    ("rank_dup_list_ok", _ranking("rank_dup_list_ok", "r-dup", "i3", 1), None),
    ("ranked_1", _ranking("ranked_1", "r-ok", "i1", 1), None),
    ("ranked_2", _ranking("ranked_2", "r-ok", "i2", 2), None),
    (
        "last_ms_of_day",
        _prediction("last_ms_of_day", predicted_at=pd.Timestamp("2026-05-01 23:59:59.999")),
        None,
    ),
    (
        "first_ms_of_next_day",
        _prediction("first_ms_of_next_day", predicted_at=pd.Timestamp("2026-05-02 00:00:00")),
        None,
    ),
    ("empty_segment", _prediction("empty_segment", segment=""), None),
    ("null_segment", _prediction("null_segment", segment=None), None),
    # What was served is kept; served_label_consistency reports it.
    (
        "label_contradicts_score",
        _prediction(
            "label_contradicts_score",
            model_name="contradicting_model",
            score=0.9,
            predicted_label=False,
        ),
        None,
    ),
    ("single_prediction", _prediction("single_prediction", model_name="lonely_model"), None),
    (
        "hostile_strings",
        _prediction(
            "hostile_strings",
            model_name=HOSTILE_MODEL,
            segment=SCRIPT,
            task_type="generation",
            score=None,
            threshold=None,
            predicted_label=None,
            generated_text=SCRIPT,
        ),
        None,
    ),
    # A model named like markup, whose only row breaks a threshold, so the
    # name reaches the Data Docs pages (suite, unexpected rows).
    (
        "script_model_nan_score",
        _prediction("script_model_nan_score", model_name=SCRIPT, score=NAN),
        "score_not_finite",
    ),
    ("redelivered", _prediction("redelivered", score=0.7), None),
    ("labeled", _prediction("labeled", score=0.2, predicted_label=False), None),
    ("revised_label", _prediction("revised_label", score=0.8), None),
]
# Re-deliveries: the earliest is kept, the later ones superseded (counted).
REDELIVERIES = [
    _prediction("redelivered", predicted_at=D + pd.Timedelta(minutes=5), score=0.99),
    _prediction("redelivered", predicted_at=D + pd.Timedelta(minutes=9), score=0.7),
]
# A model with a day without predictions in the middle of its range, and a
# model that stopped logging four days before the newest prediction.
GAPPY = [
    _prediction(f"gappy_{day}", model_name="gappy_model", predicted_at=D + pd.Timedelta(days=day))
    for day in (-1, 1)
]
STOPPED = [
    _prediction("stopped", model_name="stopped_model", predicted_at=D - pd.Timedelta(3, "D"))
]


def _label(case: str, **values) -> dict:
    row = _blank("labels") | {"labeled_at": D + pd.Timedelta(days=1), "reference_text": case}
    row.update(values)
    return row


LABEL_CASES = [
    (
        "label_null_labeled_at",
        _label(
            "label_null_labeled_at", prediction_id="p-labeled", actual_value=1.0, labeled_at=None
        ),
        "null_labeled_at",
    ),
    (
        "label_future",
        _label(
            "label_future",
            prediction_id="p-labeled",
            actual_value=1.0,
            labeled_at=pd.Timestamp("2100-01-01"),
        ),
        "labeled_at_in_future",
    ),
    (
        "label_no_key",
        _label("label_no_key", prediction_id="", actual_value=1.0),
        "label_without_key",
    ),
    (
        "label_request_without_item",
        _label("label_request_without_item", request_id="r-ok", actual_value=1.0),
        "label_without_key",
    ),
    (
        "label_nan",
        _label("label_nan", prediction_id="p-labeled", actual_value=NAN),
        "actual_value_not_finite",
    ),
    (
        "label_orphan",
        _label("label_orphan", prediction_id="p-never-existed", actual_value=1.0),
        "orphan_label",
    ),
    (
        "label_of_quarantined",
        _label("label_of_quarantined", prediction_id="p-nan_score", actual_value=1.0),
        "label_for_quarantined_prediction",
    ),
    (
        "label_unserved_request",
        _label("label_unserved_request", request_id="r-never", item_id="i1", actual_value=2.0),
        "label_for_unserved_request",
    ),
    (
        "label_half",
        _label("label_half", prediction_id="p-labeled", actual_value=0.5),
        "classification_label_not_binary",
    ),
    (
        "label_two",
        _label("label_two", prediction_id="p-labeled", actual_value=2.0),
        "classification_label_not_binary",
    ),
    (
        "label_null_value",
        _label("label_null_value", prediction_id="p-labeled", actual_value=None),
        "classification_label_not_binary",
    ),
    # A bad revision after a good label: the good one still counts.
    (
        "revision_good",
        _label("revision_good", prediction_id="p-revised_label", actual_value=1.0),
        None,
    ),
    (
        "revision_bad",
        _label(
            "revision_bad",
            prediction_id="p-revised_label",
            actual_value=0.5,
            labeled_at=D + pd.Timedelta(days=2),
        ),
        "classification_label_not_binary",
    ),
    (
        "label_ok",
        _label(
            "label_ok",
            prediction_id="p-labeled",
            actual_value=0.0,
            labeled_at=D + pd.Timedelta(days=1, hours=1),
        ),
        None,
    ),
    # Judged relevant but not in the served list: accepted (a miss).
    (
        "judgment_of_unserved_item",
        _label("judgment_of_unserved_item", request_id="r-ok", item_id="i9", actual_value=1.0),
        None,
    ),
    ("judgment_ok", _label("judgment_ok", request_id="r-ok", item_id="i1", actual_value=2.0), None),
    # Superseded: an earlier label for the same prediction (the latest wins).
    (
        "label_superseded",
        _label(
            "label_superseded",
            prediction_id="p-labeled",
            actual_value=1.0,
            labeled_at=D + pd.Timedelta(hours=13),
        ),
        None,
    ),
]
SUPERSEDED_LABELS = {"label_superseded"}


def _event(case: str, **values) -> dict:
    row = _blank("events") | {
        "event_id": f"e-{case}",
        "user_id": case,
        "event_type": "click",
        "occurred_at": D,
        "model_name": "home_feed",
    }
    row.update(values)
    return row


EVENT_CASES = [
    ("event_null_id", _event("event_null_id", event_id=None), "null_event_id"),
    ("event_empty_id", _event("event_empty_id", event_id=""), "null_event_id"),
    ("event_empty_type", _event("event_empty_type", event_type=""), "null_event_type"),
    ("event_no_time", _event("event_no_time", occurred_at=None), "null_occurred_at"),
    (
        "event_future",
        _event("event_future", occurred_at=pd.Timestamp("2100-01-01")),
        "occurred_at_in_future",
    ),
    (
        "event_before_epoch",
        _event("event_before_epoch", occurred_at=pd.Timestamp("1960-01-01")),
        "occurred_at_too_early",
    ),
    (
        "event_inf_value",
        _event("event_inf_value", event_type="conversion", value=INF),
        "value_not_finite",
    ),
    (
        "rating_above_5",
        _event("rating_above_5", event_type="rating", value=7.0),
        "rating_out_of_range",
    ),
    (
        "rating_without_value",
        _event("rating_without_value", event_type="rating", value=None),
        "rating_out_of_range",
    ),
    (
        "negative_revenue",
        _event("negative_revenue", event_type="conversion", value=-5.0),
        "conversion_value_negative",
    ),
    (
        "negative_session",
        _event("negative_session", event_type="session_end", value=-30.0),
        "session_seconds_negative",
    ),
    ("rating_ok", _event("rating_ok", event_type="rating", value=5.0), None),
    ("event_unknown_type", _event("event_unknown_type", event_type="teleport"), None),
    (
        "event_product_wide",
        _event("event_product_wide", event_type="signup", model_name=None),
        None,
    ),
    ("event_redelivered", _event("event_redelivered"), None),
]
EVENT_REDELIVERIES = [
    _event("event_redelivered", occurred_at=D + pd.Timedelta(seconds=1), event_type="impression")
]


def _feature(case: str, **values) -> dict:
    row = _blank("prediction_features") | {
        "prediction_id": "p-labeled",
        "feature_name": f"f_{case}",
        "numeric_value": 1.0,
        "category_value": case,
    }
    row.update(values)
    return row


FEATURE_CASES = [
    ("feature_nan", _feature("feature_nan", numeric_value=NAN), "feature_value_not_finite"),
    ("feature_inf", _feature("feature_inf", numeric_value=INF), "feature_value_not_finite"),
    (
        "feature_neg_inf",
        _feature("feature_neg_inf", numeric_value=-INF),
        "feature_value_not_finite",
    ),
    (
        "feature_null_id",
        _feature("feature_null_id", prediction_id=None),
        "feature_null_prediction_id",
    ),
    ("feature_empty_name", _feature("feature_empty_name", feature_name=""), "feature_null_name"),
    (
        "feature_orphan",
        _feature("feature_orphan", prediction_id="p-never-existed"),
        "feature_orphan",
    ),
    ("feature_ok", _feature("feature_ok"), None),
]
FEATURE_REDELIVERIES = [_feature("feature_ok", numeric_value=2.0)]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The matrix warehouse after one `mpm run` with the project's thresholds
    (built once per session, shared by the xdist workers)."""
    with shared_build_dir(tmp_path_factory, "matrix") as (root, built):
        warehouse, reports = root / "wh.duckdb", root / "reports"
        if not built:
            _build(warehouse, reports)
    results = pd.read_json(reports / "run_results.json", typ="series")
    code = int((root / "exit_code").read_text())
    return {"warehouse": warehouse, "code": code, "reports": reports, "results": results}


def _build(warehouse: Path, reports: Path) -> None:
    predictions = [row for _, row, _ in PREDICTION_CASES] + REDELIVERIES + GAPPY + STOPPED
    frames = {
        "predictions": pd.DataFrame(predictions, dtype=object),
        "labels": pd.DataFrame([row for _, row, _ in LABEL_CASES], dtype=object),
        "events": pd.DataFrame(
            [row for _, row, _ in EVENT_CASES] + EVENT_REDELIVERIES, dtype=object
        ),
        "prediction_features": pd.DataFrame(
            [row for _, row, _ in FEATURE_CASES] + FEATURE_REDELIVERIES, dtype=object
        ),
    }
    write_warehouse(warehouse, frames)
    code = main(["run", "--warehouse", str(warehouse), "--reports", str(reports), "--quiet"])
    (warehouse.parent / "exit_code").write_text(str(code))


def _reasons(warehouse: Path, sql: str) -> dict[str, str]:
    return dict(query(warehouse, sql).itertuples(index=False, name=None))


@pytest.mark.parametrize(
    "case, reason", [(case, reason) for case, _, reason in PREDICTION_CASES], ids=lambda v: str(v)
)
def test_prediction_case(run, case, reason):
    got = _reasons(
        run["warehouse"], "select user_id, quarantine_reason from marts.quarantine_predictions"
    )
    accepted = set(
        query(run["warehouse"], "select user_id from staging.stg_raw__predictions").user_id
    )
    if reason is None:
        assert case not in got and case in accepted
    else:
        assert got.get(case) == reason and case not in accepted


@pytest.mark.parametrize(
    "case, reason", [(case, reason) for case, _, reason in LABEL_CASES], ids=lambda v: str(v)
)
def test_label_case(run, case, reason):
    got = _reasons(
        run["warehouse"], "select reference_text, quarantine_reason from marts.quarantine_labels"
    )
    accepted = set(
        query(run["warehouse"], "select reference_text from staging.stg_raw__labels").reference_text
    )
    if reason is None and case in SUPERSEDED_LABELS:
        assert case not in got and case not in accepted
    elif reason is None:
        assert case not in got and case in accepted
    else:
        assert got.get(case) == reason and case not in accepted


@pytest.mark.parametrize(
    "case, reason", [(case, reason) for case, _, reason in EVENT_CASES], ids=lambda v: str(v)
)
def test_event_case(run, case, reason):
    got = _reasons(
        run["warehouse"], "select user_id, quarantine_reason from marts.quarantine_events"
    )
    accepted = set(query(run["warehouse"], "select user_id from staging.stg_raw__events").user_id)
    if reason is None:
        assert case not in got and case in accepted
    else:
        assert got.get(case) == reason and case not in accepted


@pytest.mark.parametrize(
    "case, reason", [(case, reason) for case, _, reason in FEATURE_CASES], ids=lambda v: str(v)
)
def test_feature_case(run, case, reason):
    got = _reasons(
        run["warehouse"],
        "select category_value, quarantine_reason from marts.quarantine_prediction_features",
    )
    accepted = set(
        query(
            run["warehouse"], "select category_value from staging.stg_raw__prediction_features"
        ).category_value
    )
    if reason is None:
        assert case not in got and case in accepted
    else:
        assert got.get(case) == reason and case not in accepted


def test_ledger_reconciles_exactly(run):
    ledger = query(run["warehouse"], "select * from marts.source_reconciliation")
    got = {
        row.source_table: (
            row.rows_in,
            row.rows_accepted,
            row.rows_quarantined,
            row.rows_superseded,
            row.payload_conflicts,
        )
        for row in ledger.itertuples()
    }

    def expected(cases, extra, superseded, conflicts):
        quarantined = sum(1 for _, _, reason in cases if reason)
        rows_in = len(cases) + len(extra)
        return (rows_in, rows_in - quarantined - superseded, quarantined, superseded, conflicts)

    # predictions: 2 re-deliveries of one id (one with another score), plus
    # the gappy and stopped models' accepted rows.
    assert got["predictions"] == expected(
        PREDICTION_CASES, REDELIVERIES + GAPPY + STOPPED, superseded=2, conflicts=1
    )
    assert got["labels"] == expected(LABEL_CASES, [], superseded=1, conflicts=0)
    assert got["events"] == expected(EVENT_CASES, EVENT_REDELIVERIES, superseded=1, conflicts=1)
    assert got["prediction_features"] == expected(
        FEATURE_CASES, FEATURE_REDELIVERIES, superseded=1, conflicts=1
    )
    for rows_in, accepted, quarantined, superseded, _ in got.values():
        assert rows_in == accepted + quarantined + superseded


def test_earliest_delivery_and_latest_usable_label_win(run):
    kept = query(
        run["warehouse"],
        "select score from staging.stg_raw__predictions where prediction_id = 'p-redelivered'",
    )
    assert kept.score.tolist() == [0.7]
    labels = query(
        run["warehouse"],
        "select prediction_id, label from intermediate.int_classification_predictions "
        "where is_labeled order by prediction_id",
    )
    assert labels.to_dict("records") == [
        {"prediction_id": "p-labeled", "label": 0},
        {"prediction_id": "p-revised_label", "label": 1},
    ]


def test_day_boundary_and_empty_segment(run):
    rows = query(
        run["warehouse"],
        "select user_id, cast(metric_date as varchar) as day, segment "
        "from staging.stg_raw__predictions "
        "where user_id in ('last_ms_of_day', 'first_ms_of_next_day', 'empty_segment', "
        "'null_segment') order by user_id",
    )
    assert rows.to_dict("records") == [
        {"user_id": "empty_segment", "day": "2026-05-01", "segment": "unknown"},
        {"user_id": "first_ms_of_next_day", "day": "2026-05-02", "segment": "web"},
        {"user_id": "last_ms_of_day", "day": "2026-05-01", "segment": "web"},
        {"user_id": "null_segment", "day": "2026-05-01", "segment": "unknown"},
    ]


def _metric(warehouse, model, metric, day="2026-05-01"):
    rows = query(
        warehouse,
        "select metric_value, sample_size from metrics_daily where model_name = ? "
        "and metric_name = ? and metric_date = ? and model_version = '__all__' "
        "and segment = '__all__' and feature_name = ''",
        [model, metric, day],
    )
    assert len(rows) == 1, (model, metric, day, rows)
    value = rows.metric_value[0]
    return (None if value is None or math.isnan(value) else float(value)), int(rows.sample_size[0])


def test_quarantine_reasons_are_data_quality_metrics(run):
    wh = run["warehouse"]
    # spam_filter rows placed on 2026-05-01: every spam_filter case row on
    # that day (the future/pre-epoch ones cannot be placed) + 2 re-deliveries.
    placed = (
        sum(
            1
            for case, row, _ in PREDICTION_CASES
            if row["model_name"] == "spam_filter"
            and row["predicted_at"] is not None
            and str(row["predicted_at"].date()) == "2026-05-01"
        )
        + 2
    )
    assert _metric(wh, "spam_filter", "quarantined__score_not_finite") == (3.0, placed)
    assert _metric(wh, "spam_filter", "quarantined__null_model_version") == (2.0, placed)
    assert _metric(wh, "spam_filter", "quarantined__score_missing") == (1.0, placed)
    assert _metric(wh, "spam_filter", "quarantined__predicted_label_missing") == (1.0, placed)
    # Every reason seen for a source has a zero row where it did not happen.
    assert _metric(wh, "spam_filter", "quarantined__rank_duplicate_in_request") == (0.0, placed)
    ranking_rows = sum(1 for _, row, _ in PREDICTION_CASES if row["model_name"] == "home_feed")
    assert ranking_rows == 9
    assert _metric(wh, "home_feed", "quarantined__rank_duplicate_in_request") == (2.0, 9)
    assert _metric(wh, "home_feed", "quarantined__rank_not_positive") == (3.0, 9)
    # Labels on their labeled_at day, at their prediction's model; without a
    # usable prediction or served list (no key, orphan, quarantined
    # prediction, unserved request) at __unknown__.
    assert _metric(wh, "__unknown__", "quarantined__orphan_label", "2026-05-02") == (1.0, 4)
    assert _metric(wh, "home_feed", "quarantined__label_without_key", "2026-05-02") == (1.0, 3)
    # Events: unattributed ones under __product__; unknown types kept and counted.
    # (12 home_feed events that day: 5 of them the value-domain cases.)
    assert _metric(wh, "home_feed", "quarantined__value_not_finite") == (1.0, 12)
    assert _metric(wh, "home_feed", "quarantined__rating_out_of_range") == (2.0, 12)
    assert _metric(wh, "home_feed", "quarantined__conversion_value_negative") == (1.0, 12)
    assert _metric(wh, "home_feed", "quarantined__session_seconds_negative") == (1.0, 12)
    assert _metric(wh, "home_feed", "unknown_event_types") == (1.0, 3)
    assert _metric(wh, "__product__", "unknown_event_types") == (0.0, 1)
    # Features at their prediction's model and day (p-labeled: spam_filter);
    # null-id and orphan features cannot be placed.
    assert _metric(wh, "spam_filter", "quarantined__feature_value_not_finite") == (3.0, 6)
    # The contract key stays unique with the long rows unioned in.
    dupes = query(
        wh,
        "select count(*) as n from (select 1 from metrics_daily group by metric_date, "
        "model_name, model_version, segment, metric_name, feature_name having count(*) > 1)",
    )
    assert dupes.n[0] == 0


def test_quarantine_spikes_break_the_declared_thresholds(run):
    results = pd.DataFrame(list(run["results"]["results"]))
    breached = results[(results.status == "breached") & (results.check == "threshold")]
    got = sorted(
        set(
            zip(
                breached.model,
                breached.metric,
                breached.metric_date,
                breached.severity,
                strict=True,
            )
        )
    )
    # Every quarantined reason is a warning (the rows are set aside, nothing
    # is lost); the rates, missing days and contradicting labels are errors.
    assert got == [
        (SCRIPT, "quarantine_rate", "2026-05-01", "error"),
        (SCRIPT, "quarantined__score_not_finite", "2026-05-01", "warn"),
        ("__unknown__", "quarantined__label_for_unserved_request", "2026-05-02", "warn"),
        ("__unknown__", "quarantined__orphan_label", "2026-05-02", "warn"),
        ("contradicting_model", "served_label_consistency", "2026-05-01", "error"),
        ("gappy_model", "prediction_day_missing", "2026-05-01", "error"),
        ("home_feed", "quarantine_rate", "2026-05-01", "error"),
        ("home_feed", "quarantined__rank_duplicate_in_request", "2026-05-01", "warn"),
        ("price_estimator", "quarantine_rate", "2026-05-01", "error"),
        ("spam_filter", "duplicate_rate", "2026-05-01", "warn"),
        ("spam_filter", "quarantine_rate", "2026-05-01", "error"),
        ("spam_filter", "quarantined__feature_value_not_finite", "2026-05-01", "warn"),
        ("spam_filter", "quarantined__null_prediction_id", "2026-05-01", "warn"),
        ("spam_filter", "quarantined__score_not_finite", "2026-05-01", "warn"),
        ("spam_filter", "quarantined__unknown_task_type", "2026-05-01", "warn"),
    ]
    assert run["code"] == 1


def test_day_without_predictions_appears_as_missing(run):
    rows = query(
        run["warehouse"],
        "select cast(metric_date as varchar) as day, metric_value, sample_size from metrics_daily "
        "where model_name = 'gappy_model' and metric_name = 'prediction_day_missing' order by 1",
    )
    assert rows.to_dict("records") == [
        {"day": "2026-04-30", "metric_value": 0.0, "sample_size": 1},
        {"day": "2026-05-01", "metric_value": 1.0, "sample_size": 0},
        {"day": "2026-05-02", "metric_value": 0.0, "sample_size": 1},
    ]


def test_model_that_stopped_logging_is_stale(run):
    results = pd.DataFrame(list(run["results"]["results"]))
    stale = results[results.check == "staleness"].set_index("model")
    # Newest prediction of any model: gappy_model's, 2026-05-02 12:00.
    assert stale.loc["stopped_model", "status"] == "breached"
    assert stale.loc["stopped_model", "value"] == 4 * 24.0
    assert stale.loc["spam_filter", "status"] == "passed"
    assert stale.loc["spam_filter", "value"] == 12.0  # newest at 2026-05-02 00:00
    assert set(stale.status[stale.index != "stopped_model"]) == {"passed"}


def test_contradicting_served_label_is_kept_and_reported(run):
    assert _metric(run["warehouse"], "contradicting_model", "served_label_consistency") == (0.0, 1)
    results = pd.DataFrame(list(run["results"]["results"]))
    served = results[(results.check == "served_labels") & (results.model == "contradicting_model")]
    assert served.status.tolist() == ["breached"]
    assert served.message.tolist() == [
        "1 of 1 served labels contradict score >= threshold since 2026-05-01 "
        "(e.g. prediction p-label_contradicts_score)"
    ]


def test_model_with_a_single_prediction_has_its_rollup(run):
    wh = run["warehouse"]
    assert _metric(wh, "lonely_model", "n_predictions") == (1.0, 1)
    assert _metric(wh, "lonely_model", "predicted_positive_rate") == (1.0, 1)
    assert _metric(wh, "lonely_model", "label_coverage") == (0.0, 1)
    assert _metric(wh, "lonely_model", "auc_roc") == (None, 0)


def test_hostile_strings_from_the_data_stay_data(run):
    wh = run["warehouse"]
    # The SQL-looking model name ran nothing: the source is intact, and the
    # name is a value in metrics_daily.
    assert query(wh, "select count(*) as n from raw.predictions").n[0] == len(
        PREDICTION_CASES
    ) + len(REDELIVERIES + GAPPY + STOPPED)
    assert _metric(wh, HOSTILE_MODEL, "prediction_day_missing") == (0.0, 1)
    text = query(
        wh,
        "select generated_text, segment from staging.stg_raw__predictions where user_id = ?",
        ["hostile_strings"],
    )
    assert text.to_dict("records") == [{"generated_text": SCRIPT, "segment": SCRIPT}]
    # Data Docs render the markup-named model's breaches (its key values in
    # the unexpected-rows table): as escaped text, never as markup.
    pages = {page: page.read_text() for page in (run["reports"] / "data_docs").rglob("*.html")}
    assert any("&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in t for t in pages.values())
    for page, text in pages.items():
        assert "<script>alert(" not in text, page
    # The results keep the name as it is in the data.
    results = pd.DataFrame(list(run["results"]["results"]))
    assert (results.model == SCRIPT).sum() > 0
