"""A check with nothing of its kind in the warehouse or the config (the
classifier checks on a warehouse of regression models, the cross-layer
checks with no link declared) says so once, as `not applicable`: neither a
pass nor a `not evaluated` line, and not a silent empty list either."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from python_checks import declare
from python_checks.checks import CheckContext
from python_checks.checks.links import engagement_guardrails, metric_links
from python_checks.checks.reconciliation import reconcile_classification
from python_checks.checks.served_labels import served_label_consistency
from python_checks.report import ReportInput, build_html
from python_checks.report.summary import render
from python_checks.results import CheckResult, RunOutcome, Status
from python_checks.warehouse.engine import DuckDBEngine


def _context(tmp_path, classifier_rows: int = 0) -> CheckContext:
    """The classification marts built but empty (a regression-only
    warehouse), or holding predictions without a logged threshold; a
    links.yml that declares nothing (what `mpm init` writes)."""
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema intermediate")
    con.execute(
        "create table marts.classification_metrics_daily (metric_date date, model_name varchar,"
        " model_version varchar, segment varchar, label_coverage double)"
    )
    con.execute(
        "create table intermediate.int_classification_predictions (prediction_id varchar,"
        " metric_date date, model_name varchar, model_version varchar, score double,"
        " threshold double, predicted_label boolean)"
    )
    for i in range(classifier_rows):
        con.execute(
            "insert into intermediate.int_classification_predictions values "
            f"('p{i}', date '2026-01-01', 'spam', 'v1', 0.7, null, true)"
        )
    con.close()
    links = tmp_path / "links.yml"
    links.write_text("# a template: nothing declared yet\nlinks: []\n")
    declarations = declare.load(links_file=links)
    return CheckContext(
        engine=DuckDBEngine(path), declarations=declarations, metrics=pd.DataFrame()
    )


def test_checks_with_nothing_to_check_say_not_applicable(tmp_path):
    ctx = _context(tmp_path)
    try:
        checks = (
            reconcile_classification,
            served_label_consistency,
            metric_links,
            engagement_guardrails,
        )
        results = [r for check in checks for r in check(ctx)]
    finally:
        ctx.engine.close()
    assert [(r.check, r.status) for r in results] == [
        ("reconciliation", Status.NOT_APPLICABLE),
        ("served_labels", Status.NOT_APPLICABLE),
        ("link", Status.NOT_APPLICABLE),
        ("engagement_guardrail", Status.NOT_APPLICABLE),
    ]
    assert results[0].message == (
        "no classification model in the warehouse (it recomputes classification metrics "
        "with sklearn)"
    )
    assert results[2].message == "no link declared in links.yml"
    assert results[3].message == "no guardrail pair (guardrails: pairs:) declared in links.yml"


def test_a_classifier_without_thresholds_is_not_evaluated_not_inapplicable(tmp_path):
    ctx = _context(tmp_path, classifier_rows=3)
    try:
        [result] = served_label_consistency(ctx)
    finally:
        ctx.engine.close()
    assert result.status is Status.NOT_EVALUATED
    assert "no classification prediction carries a score, a threshold" in result.message


@pytest.fixture
def outcome() -> RunOutcome:
    out = RunOutcome()
    out.extend(
        [
            CheckResult("threshold", Status.PASSED, "error", "ok", model="eta", metric="mae"),
            CheckResult.not_applicable(
                "reconciliation", "error", "no classification model in the warehouse"
            ),
        ]
    )
    return out


def test_not_applicable_is_reported_once_and_counted_apart(outcome):
    text = render(outcome, "/wh.duckdb")
    assert "checks: 2 results: 1 passed, 0 breached (0 error, 0 warn), 0 not evaluated, " \
        "1 not applicable" in text  # fmt: skip
    assert "NOT EVALUATED" not in text
    assert "NOT APPLICABLE (nothing of their kind here; neither passed nor failed)\n" \
        "  reconciliation: no classification model in the warehouse" in text  # fmt: skip
    assert outcome.exit_code == 0
    assert outcome.results[1].to_dict()["status"] == "not_applicable"


def test_report_lists_not_applicable_checks_apart(outcome):
    inp = ReportInput(metrics=pd.DataFrame(), results=outcome.results, declarations=declare.load())
    html = build_html(inp, Path("/r"))
    assert "0 not evaluated, 1 not applicable" in html
    assert "1 check(s) not applicable to this warehouse" in html
    assert "<li>reconciliation: no classification model in the warehouse</li>" in html
    assert "check result(s) not evaluated" not in html
