"""The HTML report builder on hand-built frames: statuses, bounds drawn into
the charts, failing checks listed with their links, every layer that is
published shown, and every string from the data escaped."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from python_checks.declare import Declarations, MetricCatalog, MetricInfo
from python_checks.declare.dbt_vars import DbtVars
from python_checks.declare.links import load_links
from python_checks.declare.thresholds import Rule, Thresholds
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


LINK = "spam_precision->false_block_tickets"


def link_result(day, verdict, model_after=0.9, business_after=2.0):
    return CheckResult(
        check="link",
        status=Status.PASSED if verdict == "consistent" else Status.BREACHED,
        severity="error",
        message=f"link {LINK}: {verdict}",
        model="spam_filter",
        model_version="__all__",
        segment="__all__",
        metric_date=day,
        metric=LINK,
        value=0.5,
        bound="layers neither diverge nor regress together",
        details={
            "verdict": verdict,
            "model_metric": "spam_filter precision",
            "business_metric": "__product__ support_tickets_per_1k_users_false_block",
            "model_before": 0.9,
            "model_after": model_after,
            "model_noise": 0.01,
            "business_before": 2.0,
            "business_after": business_after,
            "business_noise": 0.1,
            "rank_correlation": -0.5,
            "model_source": "metrics_daily",
        },
    )


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
        # The label-free estimate of recall, labels or not.
        + metric_rows("spam_filter", "model_quality", "estimated_recall", [0.88] * 10)
        + metric_rows("spam_filter", "business", "support_tickets_per_1k_users", [2] * 6 + [5] * 4)
        + metric_rows("spam_filter", "drift", "psi", [0.01] * 9 + [0.4], feature="length")
        + metric_rows("spam_filter", "drift", "psi", [0.02] * 7 + [0.3] * 3, feature="domain")
        + metric_rows("spam_filter", "drift", "max_feature_psi", [0.02] * 7 + [0.4] * 3)
        # The drift verdict as drift_verdict_daily publishes it: data drift
        # (on `domain`) from day 8, concept drift on day 7, nothing readable
        # on day 1, no label signal on day 2.
        + [
            # data_drift_detected carries the drifted feature as feature_name.
            dict(row, feature_name="domain" if row["metric_value"] == 1 else "")
            for row in metric_rows(
                "spam_filter", "drift", "data_drift_detected", [None] + [0] * 6 + [1] * 3
            )
        ]
        + metric_rows(
            "spam_filter", "drift", "concept_drift_detected", [None] + [0] * 5 + [1, 0, 0, 0]
        )
        + metric_rows("spam_filter", "drift", "label_drift_detected", [None] * 2 + [0] * 8)
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
        # Link verdicts over days 3..10: consistent, then the layers diverge
        # (precision up, tickets up) on days 7-8 and regress together after.
        *[link_result(day, "consistent") for day in DAYS[2:6]],
        *[link_result(day, "diverged", model_after=0.95, business_after=3.0) for day in DAYS[6:8]],
        *[link_result(day, "regressed_together", 0.6, 3.0) for day in DAYS[8:]],
        CheckResult(
            check="link",
            status=Status.NOT_EVALUATED,
            severity="error",
            message="link feed_latency->conversion: not evaluated, no series for "
            "home_feed latency_p95_ms",
            model="home_feed",
            model_version="__all__",
            segment="__all__",
            metric="feed_latency->conversion",
        ),
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
    # drift_verdict_daily as the mart decides it for those days.
    verdict_days = pd.DataFrame(
        {
            "metric_date": DAYS,
            "model_name": "spam_filter",
            "drift_verdict": ["not_evaluated"]
            + ["none"] * 5
            + ["concept_drift"]
            + ["data_drift"] * 3,
            "drifted_feature": [""] * 7 + ["domain"] * 3,
            "data_drift_detected": [None] + [0] * 6 + [1] * 3,
            "concept_drift_detected": [None] + [0] * 5 + [1, 0, 0, 0],
            "label_drift_detected": [None] * 2 + [0] * 8,
        }
    )
    catalog = MetricCatalog(
        precision=MetricInfo("precision", "model_quality", "classification_metrics_daily", True)
    )
    declarations = Declarations(
        thresholds=Thresholds(rules=rules),
        links=load_links(),
        dbt_vars=DbtVars({"cost_false_positive": 5.0, "cost_false_negative": 1.0}),
        catalog=catalog,
    )
    return ReportInput(
        metrics=pd.DataFrame(rows),
        results=results,
        declarations=declarations,
        threshold_curve=curve,
        drift_verdicts=verdict_days,
        warehouse="/wh/demo.duckdb",
        data_docs_index="/r/data_docs/index.html",
        dbt_docs_index="/r/dbt_docs/static_index.html",
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


def test_estimates_are_drawn_dashed_in_the_realized_panel(html):
    values = [v for spec in specs(html) for v in data_values(spec)]
    recall = [v for v in values if v.get("k") == "v" and v.get("m") == "recall"]
    estimated = [v for v in recall if v["e"] == "estimated"]
    assert {v["s"] for v in estimated} == {"all versions (estimated)"}
    assert sorted(v["y"] for v in estimated) == [0.88] * 10
    assert {v["s"] for v in recall if v["e"] == "realized"} == {"all versions"}
    # no panel of its own, and the panel dashes the estimate
    assert not any(v.get("m") == "estimated_recall" for v in values)
    panel = next(
        spec for spec in specs(html) if any(v.get("m") == "recall" for v in data_values(spec))
    )
    assert '"strokeDash"' in json.dumps(panel)


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
    assert "spam_filter: drift verdict and psi (features × days)" in titles
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


def spec_with_title(html: str, title: str) -> dict:
    found = [s for s in specs(html) if title in json.dumps(s.get("title", ""), ensure_ascii=False)]
    assert len(found) == 1, [s.get("title") for s in specs(html)]
    return found[0]


def test_flag_strip_is_built_from_the_link_check_results(html):
    spec = spec_with_title(html, "spam_filter: divergence flags of the links")
    cells = data_values(spec)
    label = "spam_filter precision → __product__ support_tickets_per_1k_users_false_block"
    assert {c["l"] for c in cells} == {label}
    verdicts = {c["d"]: c["v"] for c in cells}
    # The window is the days the link check judged; one cell per day.
    assert sorted(verdicts) == DAYS[2:]
    assert verdicts[DAYS[2]] == "consistent"
    assert verdicts[DAYS[6]] == verdicts[DAYS[7]] == "diverged"
    assert verdicts[DAYS[-1]] == "regressed together"
    diverged = next(c for c in cells if c["d"] == DAYS[6])
    assert diverged["mm"] == "spam_filter precision: 0.9 → 0.95, +5.6%; noise ±0.01"
    assert diverged["bm"].startswith("__product__ support_tickets_per_1k_users_false_block: 2 → 3")
    assert "error breach" in diverged["r"]
    # A link that could not be evaluated is a grey row, never a pass; its
    # label comes from links.yml since the result carries no details.
    home = data_values(spec_with_title(html, "home_feed: divergence flags of the links"))
    assert {c["v"] for c in home} == {"not evaluated"}
    assert {c["l"] for c in home} == {"home_feed latency_p95_ms → home_feed conversion_rate"}
    assert len(home) == len(DAYS[2:])
    assert all("no series for home_feed latency_p95_ms" in c["r"] for c in home)
    # Nothing else draws flags (no metric-based strip any more).
    assert "precision_tickets_divergence" not in html


def test_drift_verdict_sits_on_the_psi_heat_map(html):
    spec = spec_with_title(html, "spam_filter: drift verdict and psi (features × days)")
    values = data_values(spec)
    verdicts = {v["d"]: (v["v"], v["f"]) for v in values if v.get("row") == "drift verdict"}
    assert sorted(verdicts) == DAYS
    assert verdicts[DAYS[0]] == ("not_evaluated", "")
    assert verdicts[DAYS[1]] == ("none", "")
    notes = {v["d"]: v["n"] for v in values if v.get("row") == "drift verdict"}
    # Day 2 reads none, but its label signal was not readable.
    assert notes[DAYS[1]] == "not readable: label_drift" and notes[DAYS[2]] == ""
    assert verdicts[DAYS[6]] == ("concept_drift", "")
    assert all(verdicts[d] == ("data_drift", "domain") for d in DAYS[7:])
    # The PSI cells share the day axis below the strip.
    cells = [v for v in values if "f" in v and "y" in v]
    assert {c["f"] for c in cells} == {"length", "domain"}
    text = json.dumps(spec)
    for name in ("data_drift", "concept_drift", "label_drift", "none", "not_evaluated"):
        assert f'"{name}"' in text  # the legend names every verdict
    # The verdict metrics are not drawn as heat maps of their own; the
    # per-model signal is a trend.
    titles = json.dumps([s.get("title") for s in specs(html)], ensure_ascii=False)
    assert "drift data_drift_detected" not in titles
    assert "spam_filter: drift signals" in titles


def test_written_report_is_small_and_self_contained(report_input, tmp_path):
    path = write_report(report_input, tmp_path / "report.html")
    html = path.read_text()
    assert path.stat().st_size < 1_000_000
    assert "http://" not in html.split("<script>")[0].replace("http://www.w3.org", "")
    assert not re.search(r'<script[^>]+src=|<link[^>]+href="http', html)


def backtest_row(day, rule_id, metric, status, worst, bound, model="spam_filter"):
    return {
        "metric_date": day,
        "rule_id": rule_id,
        "model_name": model,
        "metric_name": metric,
        "severity": "error",
        "status": status,
        "worst_value": worst,
        "bound": bound,
    }


@pytest.fixture(scope="module")
def backtest_html(report_input) -> str:
    """The report after a backtest: precision's rule alarms on the last four
    nights, a band rule on precision on night 9, the per-feature PSI rule
    (no trend panel) on the last night and could not judge the first."""
    rows = [
        backtest_row(d, "r001", "precision", "alarm" if i >= 6 else "ok", 0.6, ">= 0.8")
        for i, d in enumerate(DAYS)
    ]
    rows += [
        backtest_row(d, "r003", "precision:z_vs_first_7d", "alarm" if i == 8 else "ok", -4.2,
                     "[-3, 3]")
        for i, d in enumerate(DAYS) if i >= 7
    ]  # fmt: skip
    rows += [backtest_row(DAYS[0], "r002", "psi", "not_evaluated", float("nan"), "<= 0.25")]
    rows += [
        backtest_row(d, "r002", "psi", "alarm" if i == 9 else "ok", 0.4, "<= 0.25")
        for i, d in enumerate(DAYS)
        if i >= 1
    ]
    # A model of the backtest the metrics do not hold draws nothing.
    rows += [backtest_row(DAYS[0], "r009", "recall", "alarm", 0.1, ">= 0.5", model="gone")]
    inp = dataclasses.replace(report_input, backtest=pd.DataFrame(rows))
    return build_html(inp, Path("/r"))


def test_backtest_alarm_nights_are_marked_on_the_trends(backtest_html, html):
    values = [v for spec in specs(backtest_html) for v in data_values(spec)]
    marks = {(v["m"], v["d"], v["r"]) for v in values if v.get("k") == "a"}
    # r001 on its four alarm nights and the band rule on its one, both on
    # precision's panel at the rollup's value; PSI has no trend panel.
    assert marks == {("precision", d, "r001") for d in DAYS[6:]} | {("precision", DAYS[8], "r003")}
    assert {v["y"] for v in values if v.get("k") == "a"} == {0.9}
    band = next(v for v in values if v.get("k") == "a" and v["r"] == "r003")
    assert (band["b"], band["w"], band["sev"]) == ("[-3, 3]", -4.2, "error")
    # Without a backtest there are no marks and no backtest section.
    assert not any(v.get("k") == "a" for spec in specs(html) for v in data_values(spec))
    assert "Backtest:" not in html and "backtest alarms per rule" not in html
    assert "gone" not in backtest_html


def test_backtest_table_per_rule(backtest_html):
    rows = re.findall(r'<tr class="backtest-rule">(.*?)</tr>', backtest_html, flags=re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    assert cells == [
        ["r001", "precision", "10", "4", DAYS[6], "4"],
        ["r002", "psi", "9", "1", DAYS[9], "1"],
        ["r003", "precision:z_vs_first_7d", "3", "1", DAYS[8], "1"],
    ]
    assert f"Backtest: the rules on past nights ({DAYS[0]} … {DAYS[-1]})" in backtest_html
    # Every rule's nights in the strip, the PSI rule's unjudged night too.
    strip = data_values(spec_with_title(backtest_html, "spam_filter: backtest alarms per rule"))
    assert len(strip) == 10 + 3 + 10
    psi = {c["d"]: c["v"] for c in strip if c["l"] == "r002 psi (error)"}
    assert psi[DAYS[0]] == "not_evaluated" and psi[DAYS[9]] == "alarm" and psi[DAYS[5]] == "ok"
