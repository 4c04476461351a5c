"""End to end on the demo warehouse: each scenario exits as it must and
names the right metric. Slow (a full generate + dbt build + GE run each), so
CI runs them in their own step (`make test-slow`)."""

from __future__ import annotations

import json

import pytest

from python_checks.cli import main

pytestmark = pytest.mark.slow


def run_scenario(tmp_path, capsys, scenario: str) -> tuple[int, str, dict]:
    warehouse = tmp_path / f"{scenario}.duckdb"
    reports = tmp_path / "reports"
    code = main(
        [
            "demo",
            "--scenario",
            scenario,
            "--warehouse",
            str(warehouse),
            "--reports",
            str(reports),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    results = json.loads((reports / "run_results.json").read_text())
    return code, out, results


def error_breaches(results: dict) -> list[dict]:
    return [r for r in results["results"] if r["status"] == "breached" and r["severity"] == "error"]


def test_healthy_exits_0(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "healthy")
    assert code == 0, out
    assert error_breaches(results) == []
    assert "OK (exit 0)" in out
    reconciled = [r for r in results["results"] if r["check"] == "reconciliation"]
    assert reconciled and all(r["status"] == "passed" for r in reconciled)


def test_precision_drop_exits_1_naming_precision_of_the_new_version(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "precision_drop")
    assert code == 1
    breached = {(r["model"], r["model_version"], r["metric"]) for r in error_breaches(results)}
    assert ("spam_filter", "v3", "precision") in breached
    assert not any(
        r["model_version"] in ("v1", "v2") and r["metric"] == "precision"
        for r in error_breaches(results)
    )
    line = next(line for line in out.splitlines() if " v3 " in line and "precision" in line)
    assert line.startswith("error") and ">= 0.8" in line


def test_precision_drop_report_is_linked_and_small(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "precision_drop")
    report = tmp_path / "reports" / "report.html"
    assert code == 1 and report.exists()
    assert any(line.startswith("Report:") and "report.html" in line for line in out.splitlines())
    assert report.stat().st_size < 1_500_000  # 0.5 MB of it is the Vega runtime
    assert (tmp_path / "reports" / "dbt_docs" / "static_index.html").exists()


def _breached_metrics(results: dict, model: str) -> set[str]:
    return {r["metric"] for r in error_breaches(results) if r["model"] == model}


def test_filter_bubble_exits_1_on_the_feedback_loop_trend(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "filter_bubble")
    assert code == 1
    breached = _breached_metrics(results, "home_feed")
    # the trend rules (last 7 days against the 7 before), not only the floors
    assert {
        "catalog_coverage_at_10:change_7d",
        "new_item_share_at_10:change_7d",
        "exposure_gini_at_10:change_7d",
    } <= breached
    # only the feed's feedback loop breaks: accuracy and CTR-side metrics hold
    assert not any(m.startswith(("ndcg", "recall", "precision")) for m in breached)
    assert {r["model"] for r in error_breaches(results)} == {"home_feed"}
    line = next(line for line in out.splitlines() if "catalog_coverage_at_10:change_7d" in line)
    assert line.startswith("error") and ">= -0.25" in line


def test_popularity_bias_exits_1_on_new_items_and_coverage(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "popularity_bias")
    assert code == 1
    breached = _breached_metrics(results, "home_feed")
    assert {"new_item_share_at_10", "catalog_coverage_at_10", "exposure_gini_at_10"} <= breached
    assert {r["model"] for r in error_breaches(results)} == {"home_feed"}
    line = next(
        line for line in out.splitlines() if "new_item_share_at_10" in line and ">= 0.02" in line
    )
    assert line.startswith("error")


def link_breaches(results: dict, link: str) -> list[dict]:
    return [r for r in error_breaches(results) if r["check"] == "link" and r["metric"] == link]


def test_healthy_has_no_link_breach(tmp_path, capsys):
    _, _, results = run_scenario(tmp_path, capsys, "healthy")
    links = [r for r in results["results"] if r["check"] == "link"]
    assert links and not [r for r in links if r["status"] == "breached"]


def test_precision_drop_is_also_caught_through_the_ticket_link(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "precision_drop")
    assert code == 1
    [*_, last] = link_breaches(results, "spam_precision->false_block_tickets")
    assert "spam_filter precision fell" in last["message"]
    assert "support_tickets_per_1k_users_false_block rose" in last["message"]
    assert "spam_precision->false_block_tickets" in out


def test_accuracy_up_engagement_down_exits_1_naming_the_divergence(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "accuracy_up_engagement_down")
    assert code == 1
    [*_, last] = link_breaches(results, "feed_ndcg->session_time")
    assert last["details"]["verdict"] == "diverged"
    assert "ndcg_at_10 rose (better)" in last["message"]
    assert "avg_session_seconds fell (worse)" in last["message"]
    assert link_breaches(results, "feed_ndcg->return_rate")
    assert "feed_ndcg->session_time" in out and "the layers diverge" in out


def test_latency_regression_exits_1_naming_the_latency_link(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "latency_regression")
    assert code == 1
    [*_, last] = link_breaches(results, "feed_latency->conversion")
    assert "latency_p95_ms rose (worse)" in last["message"]
    assert "conversion_rate fell (worse)" in last["message"]
    assert "feed_latency->conversion" in out


DRIFT_METRICS = {
    "psi",
    "js_distance",
    "ks_pvalue",
    "data_drift_detected",
    "concept_drift_detected",
    "label_drift_detected",
}


def test_data_drift_exits_1_with_a_data_drift_verdict_naming_the_feature(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "data_drift")
    assert code == 1
    errors = error_breaches(results)
    verdicts = {(r["model"], r["feature"]) for r in errors if r["metric"] == "data_drift_detected"}
    assert ("spam_filter", "message_length") in verdicts
    assert not any(r["metric"] == "concept_drift_detected" for r in errors)
    assert any(r["metric"] == "psi" and r["feature"] == "message_length" for r in errors)
    assert "data_drift_detected[message_length]" in out
    assert "tests: drift_fdr: Benjamini-Hochberg over" in out


def test_concept_drift_exits_1_with_a_concept_drift_verdict_and_no_input_drift(tmp_path, capsys):
    code, out, results = run_scenario(tmp_path, capsys, "concept_drift")
    assert code == 1
    errors = error_breaches(results)
    assert any(
        r["model"] == "spam_filter" and r["metric"] == "concept_drift_detected" for r in errors
    )
    assert not any(r["metric"] in {"psi", "ks_pvalue", "data_drift_detected"} for r in errors)
    assert "concept_drift_detected" in out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_healthy_raises_no_drift_error_across_seeds(tmp_path, capsys, seed):
    """The false-alarm rate: 30 healthy days, several seeds, not one drift error."""
    warehouse = tmp_path / f"healthy-{seed}.duckdb"
    reports = tmp_path / "reports"
    code = main(
        [
            "demo",
            "--scenario",
            "healthy",
            "--seed",
            str(seed),
            "--warehouse",
            str(warehouse),
            "--reports",
            str(reports),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    results = json.loads((reports / "run_results.json").read_text())
    drift_errors = [r for r in error_breaches(results) if r["metric"] in DRIFT_METRICS]
    assert drift_errors == [], out
    assert code == 0, out


def test_stale_model_exits_1_naming_the_gap_rule(tmp_path, capsys):
    """The registry tables are there: the offline-vs-online gap of recall
    widens day by day until its rule fails, and the staleness rule warns."""
    code, out, results = run_scenario(tmp_path, capsys, "stale_model")
    assert code == 1
    gap = [r for r in error_breaches(results) if r["metric"] == "offline_online_gap_recall"]
    assert gap and {r["model"] for r in gap} == {"spam_filter"}
    line = next(line for line in out.splitlines() if "offline_online_gap_recall" in line)
    assert line.startswith("error") and ">= -0.1" in line
    stale = [
        r
        for r in results["results"]
        if r["metric"] == "days_since_training" and r["status"] == "breached"
    ]
    assert stale and stale[0]["severity"] == "warn"


def test_without_the_registry_the_gap_rules_are_not_evaluated(tmp_path, capsys):
    code, _, results = run_scenario(tmp_path, capsys, "healthy")
    assert code == 0
    skipped = [
        r
        for r in results["results"]
        if r["metric"] in ("offline_online_gap_recall", "days_since_training")
    ]
    assert skipped and all(r["status"] == "not_evaluated" for r in skipped)
    assert all("model_versions" in r["message"] for r in skipped)
