"""The HTML report builder on hand-built frames: statuses, bounds drawn into
the charts, failing checks listed with their links, every layer that is
published shown, and every string from the data escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from python_checks.config import Rule, Thresholds
from python_checks.report import ReportInput, build_html, model_status, write_report
from python_checks.results import CheckResult, Status

DAYS = [f"2026-01-{d:02d}" for d in range(1, 11)]
HOSTILE = "<script>alert('x')</script>"


def metric_rows(model, layer, metric, values, version="__all__", feature=""):
    return [
        {
            "metric_date": day,
            "model_name": model,
            "model_version": version,
            "segment": "__all__",
            "layer": layer,
            "metric_name": metric,
            "feature_name": feature,
            "metric_value": value,
            "sample_size": 1000,
        }
        for day, value in zip(DAYS, values, strict=True)
    ]


def breach(model, metric, day, value, version="__all__", severity="error", feature=""):
    return CheckResult(
        check="threshold",
        status=Status.BREACHED,
        severity=severity,
        message=f"{model} {metric} >= 0.8: {value} on {day}",
        model=model,
        model_version=version,
        segment="__all__",
        metric_date=day,
        metric=metric,
        feature=feature,
        value=value,
        bound=">= 0.8",
        docs_path="/r/data_docs/validations/spam.html",
    )


@pytest.fixture(scope="module")
def report_input() -> ReportInput:
    healthy = [0.9] * 10
    dropping = [0.9] * 6 + [0.6] * 4
    rows = (
        metric_rows("spam_filter", "model_quality", "precision", healthy)
        + metric_rows("spam_filter", "model_quality", "precision", dropping, version="v3")
        + metric_rows("spam_filter", "model_quality", "recall", healthy)
        + metric_rows("spam_filter", "business", "support_tickets_per_1k_users", [2] * 6 + [5] * 4)
        + metric_rows("spam_filter", "drift", "psi", [0.01] * 9 + [0.4], feature="length")
        + metric_rows("spam_filter", "business", "precision_tickets_divergence", [0] * 8 + [1] * 2)
        + metric_rows("home_feed", "feedback_loop", "catalog_coverage_at_10", healthy)
        + metric_rows(HOSTILE, "model_quality", "precision", healthy)
        + metric_rows("__product__", "business", "daily_active_users", [100] * 10)
    )
    rules = (
        Rule(rule_id="r001", model="spam_filter", metric="precision", model_version="*", min=0.8),
        Rule(rule_id="r002", model="*", metric="psi", max=0.25, severity="warn"),
    )
    results = [breach("spam_filter", "precision", day, 0.6, version="v3") for day in DAYS[6:]] + [
        breach("spam_filter", "psi", DAYS[-1], 0.4, severity="warn", feature="length"),
        CheckResult(
            check="threshold",
            status=Status.PASSED,
            severity="error",
            message="home_feed ok",
            model="home_feed",
            metric="catalog_coverage_at_10",
        ),
        CheckResult(
            check="threshold",
            status=Status.NOT_EVALUATED,
            severity="error",
            message=f"{HOSTILE} precision: label coverage below 0.6",
            model=HOSTILE,
            metric="precision",
        ),
    ]
    curve = pd.DataFrame(
        {
            "model_name": "spam_filter",
            "metric_date": DAYS[-1],
            "threshold": [0.25, 0.5, 0.75],
            "precision": [0.6, 0.8, 0.95],
            "recall": [0.95, 0.8, 0.5],
            "f1": [0.73, 0.8, 0.65],
            "expected_cost": [30.0, 20.0, 25.0],
            "is_cost_optimal": [False, True, False],
            "serving_threshold": [0.75] * 3,
        }
    )
    curve = pd.concat(
        [curve.assign(model_version="__all__"), curve.assign(model_version="v3")],
        ignore_index=True,
    )
    return ReportInput(
        metrics=pd.DataFrame(rows),
        results=results,
        thresholds=Thresholds(rules=rules, settings={}),
        threshold_curve=curve,
        metric_marts={"precision": "classification_metrics_daily"},
        warehouse="/wh/demo.duckdb",
        data_docs_index="/r/data_docs/index.html",
        dbt_docs_index="/r/dbt_docs/static_index.html",
        costs={"cost_false_positive": 5.0, "cost_false_negative": 1.0},
    )


@pytest.fixture(scope="module")
def html(report_input) -> str:
    return build_html(report_input, Path("/r"))


def specs(html: str) -> list[dict]:
    found = re.findall(r'<script type="application/json" id="spec-\d+">(.*?)</script>', html)
    return [json.loads(text) for text in found]


def data_values(spec: dict) -> list[dict]:
    return [v for data in spec.get("data", []) for v in data.get("values", []) or []]


def test_model_status_from_check_results(report_input):
    results = report_input.results
    assert model_status("spam_filter", results) == "error"
    assert model_status("home_feed", results) == "ok"
    assert model_status(HOSTILE, results) == "not evaluated"
    warn = [breach("m", "x", DAYS[0], 1.0, severity="warn")]
    assert model_status("m", warn) == "warn"


def test_strings_from_the_data_are_escaped(html):
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    # Only our own script elements: the specs, the Vega runtime, the loader.
    n_specs = len(specs(html))
    assert html.count("<script") == n_specs + 2
    assert html.lower().count("</script") == n_specs + 2
    # The hostile name is in the chart data as text (Vega draws it as text).
    assert any(HOSTILE in json.dumps(spec) for spec in specs(html))


def test_declared_bounds_and_breaches_are_drawn(html):
    values = [v for spec in specs(html) for v in data_values(spec)]
    bounds = [v for v in values if v.get("k") == "b" and v.get("m") == "precision"]
    assert {(b["b"], b["sev"]) for b in bounds} >= {(0.8, "error")}
    breached = [v for v in values if v.get("k") == "x" and v.get("m") == "precision"]
    assert {(b["d"], b["s"], b["y"]) for b in breached} == {(d, "v3", 0.6) for d in DAYS[6:]}
    # The version that broke is drawn as its own series next to the rollup.
    series = {v["s"] for v in values if v.get("k") == "v" and v.get("m") == "precision"}
    assert {"all versions", "v3"} <= series


def test_failing_checks_are_listed_with_numbers_and_links(html):
    rows = re.findall(r'<tr class="failing-check">(.*?)</tr>', html, flags=re.S)
    v3 = [row for row in rows if ">v3<" in row and ">precision<" in row]
    assert len(v3) == 1, rows
    row = v3[0]
    assert f"{DAYS[6]} … {DAYS[-1]}" in row and ">4<" in row and ">0.6<" in row
    assert "&gt;= 0.8" in row
    assert 'href="data_docs/validations/spam.html"' in row
    assert 'href="dbt_docs/static_index.html#!/model/model.ml_product_metrics.' in row
    assert "classification_metrics_daily" in row
    overview = html.split('id="failing-checks"')[0]
    assert "precision (version v3) breaks &gt;= 0.8 since 2026-01-07" in overview


def test_every_published_layer_shows_up(html):
    titles = json.dumps(specs(html), ensure_ascii=False)
    assert "spam_filter: Model quality" in titles
    assert "spam_filter: Business outcomes" in titles
    assert "spam_filter: drift psi (features × days)" in titles
    assert "spam_filter: divergence flags of the links" in titles
    assert "home_feed: Feedback loop" in titles
    assert "spam_filter: threshold curve" in titles
    # Serving and cost-optimal thresholds are rules on the curve.
    values = [v for spec in specs(html) for v in data_values(spec) if v.get("k") == "r"]
    assert {(v["which"], v["t"]) for v in values} == {
        ("serving threshold", 0.75),
        ("cost-optimal threshold", 0.5),
    }
    # One panel per version beside the rollup.
    assert {v["v"] for v in values} == {"all versions", "v3"}
    # What moved with the breach: the business metric, before vs since.
    assert "support_tickets_per_1k_users" in html and "+150.0%" in html


def test_written_report_is_small_and_self_contained(report_input, tmp_path):
    path = write_report(report_input, tmp_path / "report.html")
    html = path.read_text()
    assert path.stat().st_size < 1_000_000
    assert "http://" not in html.split("<script>")[0].replace("http://www.w3.org", "")
    assert not re.search(r'<script[^>]+src=|<link[^>]+href="http', html)
