"""The declared rules judged by dbt (rule_verdicts_daily and its data tests,
what a plain `dbt build` fails on) and by Great Expectations (`mpm run`)
give the same verdict on every rule x slice x day.

Default suite: the committed seed is the compiled thresholds file, and one
hand-made metrics_daily that exercises every semantic (static bounds, the
sample-size and label-coverage gates, an undefined value, Wilson intervals,
change and band rules, the evaluation window, rules that find no row)
through both paths, with a thresholds file of its own (so dbt reads the
rules from the var `mpm` passes, not the seed). Slow: every demo scenario
through plain `dbt build` and the GE path."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from python_checks import declare, paths
from python_checks.checks import thresholds as threshold_checks
from python_checks.declare import rules_seed
from python_checks.declare.catalog import catalog_from_manifest
from python_checks.declare.links import load_links
from python_checks.declare.thresholds import load_thresholds
from python_checks.demo import SCENARIOS
from python_checks.results import Status
from python_checks.warehouse import dbt as mpm_dbt
from python_checks.warehouse.dbt import Dbt
from python_checks.warehouse.engine import DuckDBEngine
from tests.conftest import query

CHECK_MODELS = "threshold_rules int_threshold_rules rule_verdicts_daily"


def test_committed_seed_is_the_compiled_thresholds_file():
    """Plain `dbt build` reads seeds/threshold_rules.csv: it must hold the
    rules of the thresholds file, compiled (`mpm compile-rules` rewrites it)."""
    thresholds, links = load_thresholds(), load_links()
    assert rules_seed.seeds_are_current(thresholds, links) == [], (
        "run `mpm compile-rules` and commit the seeds"
    )
    assert rules_seed.dbt_vars_for(thresholds, links) == {}
    rows = rules_seed.compile_rules(thresholds)
    assert len(rows) == len(thresholds.rules) > 0
    first = rows[0]
    assert (first["rule_id"], first["model"], first["metric"], first["min_value"]) == (
        "r001",
        "spam_filter",
        "precision",
        0.8,
    )


def test_other_rules_reach_dbt_as_a_var(tmp_path):
    other = tmp_path / "thresholds.yml"
    other.write_text("rules:\n  - {model: m1, metric: precision, min: 0.9}\n")
    passed = rules_seed.dbt_vars_for(load_thresholds(other), load_links())
    # The links are judged under the thresholds file's evaluation window and
    # label-coverage gate: another thresholds file recompiles them too.
    assert list(passed) == [
        rules_seed.DBT_VAR,
        rules_seed.LINK_DBT_VAR,
        rules_seed.DRIFT_FDR_DBT_VAR,
    ]
    assert passed[rules_seed.DRIFT_FDR_DBT_VAR] == []  # no checks.drift_fdr declared
    assert passed[rules_seed.DBT_VAR][0]["min_value"] == 0.9
    assert passed[rules_seed.DBT_VAR][0]["bound"] == ">= 0.9"


# ---- one hand-made metrics_daily through both paths

THRESHOLDS = textwrap.dedent(
    """\
    settings:
      evaluation_window_days: 10
      min_sample_size: 100
      min_label_coverage: 0.5
      wilson_z: 1.96
    rules:
      - {model: m1, metric: precision, model_version: "*", min: 0.8, severity: error}
      - {model: m1, metric: recall, segment: "*", min: 0.7, severity: warn, proportion: true}
      - {model: m1, metric: catalog_coverage_at_10, kind: change, window: 3, min: -0.2,
         severity: error, min_sample_size: 10}
      - {model: "*", metric: psi, feature: f1, kind: band, k: 3, severity: warn,
         min_sample_size: 0}
      - {model: m2, metric: precision, min: 0.5}
      - {model: "*", metric: duplicate_rate, max: 0.05, severity: warn, min_sample_size: 1}
      - {model: "*", metric: quarantine_rate, max: 0.01, severity: error, min_sample_size: 0}
      - {model: m1, metric: precision, min: 0.8, severity: error, persistence: {k: 2, n: 3}}
      - {model: m1, metric: offline_online_gap_recall, min: -0.1, severity: error}
    """
)


def hand_made_metrics() -> pd.DataFrame:
    """20 days of m1 (and m3 for the `*` rules) with breaches, gated days,
    an undefined value, tiny Wilson samples, a slide and a spike."""
    rng = np.random.default_rng(22)
    days = pd.date_range("2026-01-01", periods=20, freq="D")
    rows = []

    def add(day, metric, value, n, model="m1", version="__all__", segment="__all__", feature=""):
        rows.append((day.date(), model, version, segment, "x", metric, feature, value, n))

    for i, day in enumerate(days):
        for version in ("v1", "__all__"):
            value = 0.7 if i == 14 else 0.85 + rng.normal(0, 0.04)
            n = 50 if i % 7 == 3 else 300  # a gated day a week
            add(day, "precision", None if i == 12 else value, n, version=version)
            add(day, "label_coverage", 0.3 if i % 5 == 1 else 0.9, n, version=version)
            # a long mart's metric that needs labels (by its prefix)
            add(day, "offline_online_gap_recall", -0.2, n, version=version)
        for segment in ("__all__", "a", "b"):
            n = {"__all__": 400, "a": 150, "b": 120}[segment]
            value = 0.72 + rng.normal(0, 0.06) - (0.15 if i >= 15 and segment != "b" else 0)
            add(day, "recall", value, n, segment=segment)
            if segment != "__all__":  # the rollup's coverage is above
                add(day, "label_coverage", 0.9, n, segment=segment)
        slide = 0.5 if i < 12 else 0.5 - 0.05 * (i - 11)
        add(day, "catalog_coverage_at_10", None if i == 5 else slide, 40)
        for model in ("m1", "m3"):
            psi = 0.05 + rng.normal(0, 0.01) + (0.2 if i == 17 and model == "m1" else 0)
            add(day, "psi", psi, 1000, model=model, feature="f1")
            add(day, "psi", 0.5, 1000, model=model, feature="f2")
            add(day, "quarantine_rate", None if i == 16 else 0.02 * (i == 18), 500, model=model)
    return pd.DataFrame(
        rows,
        columns=[
            "metric_date",
            "model_name",
            "model_version",
            "segment",
            "layer",
            "metric_name",
            "feature_name",
            "metric_value",
            "sample_size",
        ],
    )


def judge_both_ways(tmp_path: Path, thresholds_file: Path):
    """(GE verdicts, dbt verdicts, dbt's node statuses) on the warehouse at
    tmp_path/wh.duckdb, whose main.metrics_daily is already written."""
    warehouse = tmp_path / "wh.duckdb"
    declarations = declare.load(thresholds_file)
    dbt_vars = rules_seed.dbt_vars_for(declarations.thresholds, declarations.links)
    engine = DuckDBEngine(warehouse)
    dbt = Dbt(engine, tmp_path / "dbt", dbt_vars, quiet=True)
    declarations = declarations.with_catalog(catalog_from_manifest(dbt.manifest()))
    done = dbt.invoke(["build", "--select", CHECK_MODELS])
    statuses = {r.node.name: str(r.status) for r in done.result.results}
    dbt_verdicts = engine.rule_verdicts()
    metrics = engine.metrics()
    engine.close()
    _, _, ge_verdicts = threshold_checks.evaluate_with_verdicts(
        metrics, declarations, threshold_checks.InProcess(engine), tmp_path / "docs"
    )
    return ge_verdicts, dbt_verdicts, statuses


def test_hand_made_metrics_get_the_same_verdicts_from_dbt_and_great_expectations(tmp_path):
    thresholds_file = tmp_path / "thresholds.yml"
    thresholds_file.write_text(THRESHOLDS)
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    metrics = hand_made_metrics()  # noqa: F841 - read by DuckDB below
    con.execute("create table main.metrics_daily as select * from metrics")
    con.close()

    ge, sql, statuses = judge_both_ways(tmp_path, thresholds_file)

    # r008's persistence needs each slice's history: the SQL leaves it to
    # mpm run, saying so on every row, and the comparison leaves it out.
    policy = sql[sql.rule_id == "r008"]
    assert len(policy) > 0 and set(policy.verdict) == {"not_evaluated"}
    assert set(policy.reason) == {"alarm policy (persistence 2 of 3) is judged by mpm run only"}
    assert not threshold_checks.compare_verdicts(ge, sql).empty
    assert threshold_checks.compare_verdicts(ge, sql, frozenset({"r008"})).empty
    ge, sql = ge[ge.rule_id != "r008"], sql[sql.rule_id != "r008"]
    assert len(ge) == len(sql) > 100
    # Every semantic was exercised, not only passes.
    counts = sql.groupby(["rule_id", "verdict"]).size().to_dict()
    # A long mart's prefix that needs labels (offline_online_gap_) is gated
    # by label coverage in both paths.
    gap = sql[sql.rule_id == "r009"]
    assert counts[("r009", "breach")] > 0
    assert "label coverage below 0.5" in set(gap["reason"].dropna())
    assert counts[("r001", "breach")] > 0 and counts[("r001", "pass")] > 0
    reasons = set(sql["reason"].dropna())
    assert {"undefined value", "sample size below 100", "label coverage below 0.5"} <= reasons
    # Wilson: segment b's small days dip below 0.7 without breaching.
    recall = sql[sql.rule_id == "r002"]
    assert counts[("r002", "breach")] > 0
    assert recall[(recall.segment == "b") & (recall.verdict == "breach")].empty
    # change: the slide breaches -20% over 3 days; band: the day-18 spike of m1 only.
    change = sql[sql.rule_id == "r003"].set_index("metric_date")
    assert change.loc["2026-01-20", "verdict"] == "breach"
    assert change.loc["2026-01-20", "metric_name"] == "catalog_coverage_at_10:change_3d"
    band = sql[(sql.rule_id == "r004") & (sql.verdict == "breach")]
    assert band[["model_name", "metric_date"]].values.tolist() == [["m1", "2026-01-18"]]
    # The window: the last 10 days only.
    assert sql["metric_date"].dropna().min() == "2026-01-11"
    # Rules that find no row say so: m2 by name, duplicate_rate for every model.
    unjudged = sql[sql.metric_date.isna()].set_index("rule_id")["reason"].to_dict()
    assert unjudged == {"r005": "no rows for m2 in the window", "r006": "no rows in the window"}
    # dbt build: the error rules fail it, the warn rules warn.
    assert statuses["declared_error_rules_hold"] == "fail"
    assert statuses["declared_warn_rules_hold"] == "warn"


# ---- every demo scenario: plain `dbt build` against the GE path (slow)


def _plain_dbt_build(warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    """`dbt build` as a user runs it from the project root: no mpm, no vars."""
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "0"}
    return subprocess.run(
        mpm_dbt.cli_command(
            [
                "build",
                "--profiles-dir",
                str(paths.PROJECT_ROOT),
                "--target-path",
                str(target / "target"),
                "--log-path",
                str(target / "logs"),
            ]
        ),
        cwd=paths.PROJECT_ROOT,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )


VERDICT_MARTS = ("rule_verdicts_daily", "link_verdicts_daily", "drift_fdr_verdicts_daily")


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_plain_dbt_build_fails_on_the_rules_mpm_names(tmp_path, scenario):
    """Plain `dbt build` names (and fails on) every declared rule, link and
    drift control `mpm run` names as an error breach, and both judge every
    rule x slice x day, pair x day and KS test alike."""
    from python_checks import nightly
    from python_checks.checks import CheckContext
    from python_checks.checks import links as link_checks
    from python_checks.checks.drift_fdr import drift_fdr
    from python_checks.demo import generate_warehouse

    warehouse = tmp_path / f"{scenario}.duckdb"
    generate_warehouse(warehouse, scenario)
    built = _plain_dbt_build(warehouse, tmp_path / "plain")
    breached = query(
        warehouse,
        " union ".join(
            f"select distinct rule_id, model_name from marts.{mart} "
            "where verdict = 'breach' and severity = 'error'"
            for mart in VERDICT_MARTS
        )
        + " order by 1, 2",
    )

    declarations = declare.load()
    engine = DuckDBEngine(warehouse)
    dbt = Dbt(engine, tmp_path / "dbt", {}, quiet=True)
    declarations = declarations.with_catalog(catalog_from_manifest(dbt.manifest()))
    metrics = engine.metrics()
    sql = engine.rule_verdicts()
    results, _, ge = threshold_checks.evaluate_with_verdicts(
        metrics, declarations, threshold_checks.InProcess(engine), tmp_path / "docs"
    )
    context = CheckContext(engine=engine, declarations=declarations, metrics=metrics)
    python = (
        link_checks.metric_links(context)
        + link_checks.engagement_guardrails(context)
        + drift_fdr(context)
    )
    same_links = nightly._same_link_verdicts(python, engine.link_verdicts(), declarations)
    same_discoveries = nightly._same_discoveries(python, engine.drift_fdr_verdicts())
    engine.close()

    assert threshold_checks.compare_verdicts(ge, sql).empty
    assert same_links.status == Status.PASSED, same_links.message
    assert same_discoveries.status == Status.PASSED, same_discoveries.message

    def named(result) -> tuple[str, str]:
        details = result.details
        return (details.get("rule_id") or details.get("link_id") or "fdr", result.model)

    named_by_mpm = sorted(
        {named(r) for r in results + python if r.status == "breached" and r.severity == "error"}
    )
    assert named_by_mpm == [tuple(row) for row in breached.values.tolist()]
    for rule_id, model in named_by_mpm:
        assert f"error breach {rule_id}: " in built.stdout and f" on {model} " in built.stdout
    if scenario == "healthy":
        assert built.returncode == 0, built.stdout[-3000:]
        assert named_by_mpm == []
    else:
        # Every failing scenario fails a plain `dbt build` on a declared
        # rule, link or drift control.
        assert named_by_mpm, f"{scenario} breaches no declared error rule"
        assert built.returncode == 1
        assert "Failure in test declared_error_" in built.stdout
