"""`mpm init`: a starting config learned from a warehouse the demo did not
generate. The bounds are the level and the day-to-day spread of each
metric's reference days, the gates half the smallest reference sample, and
a following `mpm run` evaluates every rule it wrote."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from python_checks import cli, declare, init_config, paths
from tests.conftest import query, write_warehouse
from tests.fixtures.new_model_data import MODEL, new_model_frames


def test_learn_bound_is_level_and_k_spreads_on_the_worse_side():
    values = pd.Series([0.80, 0.82, 0.84, None, 0.86, 0.88])
    low, high, level, spread = init_config.learn_bound(values, "up", 4.0)
    assert level == pytest.approx(0.84)
    assert spread == pytest.approx(np.std([0.80, 0.82, 0.84, 0.86, 0.88], ddof=1))
    assert low == pytest.approx(0.84 - 4 * spread) and high is None
    low, high, _, _ = init_config.learn_bound(values, "down", 2.0)
    assert low is None and high == pytest.approx(0.84 + 2 * spread)
    low, high, _, _ = init_config.learn_bound(values, "both", 1.0)
    assert (low, high) == (pytest.approx(0.84 - spread), pytest.approx(0.84 + spread))
    # a constant metric: the spread floor keeps the bound off the level
    assert init_config.learn_bound(pd.Series([5.0] * 4), "down", 3.0)[1] == pytest.approx(5.15)
    assert init_config.learn_bound(pd.Series([1.0, None, 2.0]), "up", 3.0) is None


def test_sample_gate_is_half_the_smallest_reference_day():
    assert init_config.sample_gate(pd.Series([150, 141, 163, None])) == 70
    assert init_config.sample_gate(pd.Series([1])) == 1
    assert init_config.sample_gate(pd.Series([], dtype=float)) == 1


def _metrics(days: int = 20) -> pd.DataFrame:
    """A tiny metrics_daily: one classifier, n_predictions 100 + day, AUC
    alternating 0.90/0.92, PSI of one feature 0.01 in-sample then 0.05/0.07."""
    rows = []
    for day in range(days):
        date = pd.Timestamp("2026-01-01") + pd.Timedelta(days=day)

        def row(metric, value, n, layer="model_quality", feature="", date=date):
            rows.append(
                dict(metric_date=date, model_name="churn", model_version="__all__",
                     segment="__all__", layer=layer, metric_name=metric, feature_name=feature,
                     metric_value=value, sample_size=n)
            )  # fmt: skip

        row("n_predictions", 100.0 + day, 100 + day)
        row("label_coverage", 0.6 + 0.01 * day, 100 + day)
        row("auc_roc", 0.90 if day % 2 else 0.92, 60 + day)
        row("psi", 0.01 if day < 7 else (0.05 if day % 2 else 0.07), 100 + day, "drift", "x")
        row("ks_statistic", 0.05, 100 + day, "drift", "x")
        row("data_drift_detected", 0.0, 100 + day, "drift")
        row("concept_drift_detected", None, 100 + day, "drift")
    return pd.DataFrame(rows)


def test_profile_learns_one_rule_per_fitting_family():
    (profile,) = init_config.profile_models(
        _metrics(), {"churn": "binary_classification"}, {"churn": 1.0}, reference_days=14, k=4.0
    )
    assert (profile.task_type, profile.days, profile.daily_volume) == (
        "binary_classification", 20, 109.5)  # fmt: skip
    assert profile.min_daily_volume == 100 and profile.numeric_features == ["x"]
    assert profile.reference == ("2026-01-01", "2026-01-14")
    rules = {r["metric"]: r for r in profile.rules}
    # AUC: reference days 0..13, 7 of each value: median 0.91, sd of the 14
    auc = [0.90 if d % 2 else 0.92 for d in range(14)]
    assert rules["auc_roc"]["min"] == pytest.approx(0.91 - 4 * np.std(auc, ddof=1), abs=1e-4)
    assert rules["auc_roc"]["min_sample_size"] == 30  # half of day 0's 60 labeled rows
    assert rules["auc_roc"]["severity"] == "error"
    assert rules["auc_roc"]["min_label_coverage"] == 0.3  # half of day 0's 0.6
    assert "min_label_coverage" not in rules["psi"]  # drift needs no labels
    # PSI learned on days 7..13 only (the drift reference's PSI is in-sample)
    psi = [0.05 if d % 2 else 0.07 for d in range(7, 14)]
    assert rules["psi"]["max"] == pytest.approx(np.median(psi) + 4 * np.std(psi, ddof=1), abs=1e-4)
    assert rules["psi"]["feature"] == "*" and rules["psi"]["min_sample_size"] == 53
    # the verdict kinds the data defines, none it leaves undefined
    assert rules["data_drift_detected"]["max"] == 0
    assert "concept_drift_detected" not in rules
    # families without data (precision, recall, ece, latency) get no rule
    assert set(rules) == {"auc_roc", "psi", "data_drift_detected"}
    # the alarm policy: AUC judged with its Hanley-McNeil interval, PSI on
    # 2 of the last 3 days; the verdict alarms on its first day
    assert rules["auc_roc"]["sampling_error"] == "hanley_mcneil"
    assert rules["psi"]["persistence"] == {"k": 2, "n": 3}
    assert "persistence" not in rules["data_drift_detected"]
    assert not any("fdr" in r or "proportion" in r for r in profile.rules)


def test_written_policy_keys_load_as_the_rules_policy(tmp_path):
    """What init writes is valid config: a precision rule is a Wilson
    share, AUC Hanley-McNeil, PSI 2 of 3 days, as declare/ reads them."""
    metrics = _metrics()
    extra = metrics[metrics["metric_name"] == "auc_roc"].assign(metric_name="precision")
    (profile,) = init_config.profile_models(
        pd.concat([metrics, extra], ignore_index=True), {"churn": "binary_classification"},
        {"churn": 1.0}, reference_days=14, k=4.0,
    )  # fmt: skip
    path = tmp_path / "thresholds.yml"
    path.write_text(init_config.thresholds_text([profile], tmp_path / "wh.duckdb", 4.0, 50))
    text = path.read_text()
    assert "proportion: true" in text and "persistence: {k: 2, n: 3}" in text
    rules = {r.metric: r for r in declare.load(thresholds_file=path).thresholds.rules}
    assert rules["precision"].proportion and rules["precision"].fdr is None
    assert rules["auc_roc"].sampling_error == "hanley_mcneil" and not rules["auc_roc"].proportion
    assert (rules["psi"].persistence_k, rules["psi"].persistence_n) == (2, 3)
    verdict = rules["data_drift_detected"]
    assert (verdict.persistence_k, verdict.persistence_n) == (1, 1)


def test_init_never_overwrites_without_force(tmp_path, capsys):
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "thresholds.yml").write_text("rules: []\n")
    warehouse = tmp_path / "wh.duckdb"  # never opened: the refusal comes first
    code = cli.main(["init", "--warehouse", str(warehouse), "--config-dir", str(folder)])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"mpm: {folder / 'thresholds.yml'} exists; `mpm init` never overwrites a config "
        "(pass --force to replace it, or --config-dir for another folder)"
    )
    assert (folder / "thresholds.yml").read_text() == "rules: []\n"
    assert not warehouse.exists()


@pytest.mark.slow
def test_init_then_run_on_a_model_the_demo_does_not_have(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(paths.CONFIG_DIR_ENV, raising=False)
    warehouse = write_warehouse(tmp_path / "eta.duckdb", new_model_frames())
    reports = tmp_path / "reports"
    base = ["--warehouse", str(warehouse), "--reports", str(reports), "--quiet"]
    assert cli.main(["init", *base]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "eta.mpm"  # the default: beside the warehouse
    assert f"wrote {folder / 'thresholds.yml'}, {folder / 'links.yml'}" in out
    assert "delivery_eta: regression, 151.5 predictions/day, label delay 1 d, 2 numeric + 1 " \
        "categorical features, 7 rules" in out  # fmt: skip
    declared = declare.load(config_dir=folder)
    rules = [r for r in declared.thresholds.rules if r.model == MODEL]
    assert [r.metric for r in rules] == [
        "mae", "r2", "mean_error", "latency_p95_ms", "psi", "data_drift_detected",
        "label_drift_detected",
    ]  # fmt: skip
    assert declared.links.links == ()  # a commented template
    # gates sized to ~150 a day (half the fewest, 140), not the demo's 200
    assert {r.min_sample_size for r in rules[:5]} == {70}

    code = cli.main(["run", *base])
    out = capsys.readouterr().out
    assert code == 0
    for other in ("spam_filter", "home_feed", "price_estimator", "ticket_summarizer"):
        assert other not in out
    results = json.loads((reports / "run_results.json").read_text())["results"]
    thresholds = [r for r in results if r["check"] == "threshold"]
    assert not [r for r in results if r["check"] == "config"]
    assert [r["message"] for r in thresholds if r["status"] == "not_evaluated"] == []
    # every check evaluated: those with nothing of their kind here (a
    # regression warehouse, links.yml a template) say so once, apart
    assert [r["message"] for r in results if r["status"] == "not_evaluated"] == []
    assert {r["check"]: r["message"] for r in results if r["status"] == "not_applicable"} == {
        "reconciliation": "no classification model in the warehouse (it recomputes "
        "classification metrics with sklearn)",
        "served_labels": "no classification model in the warehouse (it compares served labels "
        "with score >= threshold)",
        "link": "no link declared in links.yml",
        "engagement_guardrail": "no guardrail pair (guardrails: pairs:) declared in links.yml",
    }
    assert "0 not evaluated, 4 not applicable" in out and "NOT EVALUATED" not in out
    # every rule of the config ran and passed on the whole 14-day window
    passed = {(r["metric"], r["details"]["rows"]) for r in thresholds if r["status"] == "passed"}
    for metric in ("mae", "r2", "mean_error", "latency_p95_ms", "data_drift_detected"):
        assert (metric, 14) in passed
    assert ("psi", 14 * 4) in passed  # 2 numeric + 1 categorical feature + the prediction

    # the backtest of the learned config
    assert cli.main(["backtest", *base, "--from", "2026-03-15", "--to", "2026-04-09"]) == 0
    out = capsys.readouterr().out
    assert "26 night(s) 2026-03-15 .. 2026-04-09; per-day alarms in main.backtest_alarms_daily" in (
        out
    )
    table = query(warehouse, "select * from main.backtest_alarms_daily")
    assert len(table) == 26 * 9  # 7 learned rules + quarantine_rate + prediction_day_missing
    # a clean history: every rule judged every night, alarms within a 2 % budget
    assert set(table["status"]) <= {"ok", "alarm"}
    assert (table["status"] == "alarm").mean() < 0.02

    # a second init refuses; --force replaces
    assert cli.main(["init", *base]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert cli.main(["init", *base, "--force", "--k", "3"]) == 0
