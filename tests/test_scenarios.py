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
