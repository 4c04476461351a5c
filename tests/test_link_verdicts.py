"""The declared links and engagement guardrails (link_verdicts_daily) and
the KS false-discovery control (drift_fdr_verdicts_daily), judged by dbt,
what a plain `dbt build` fails on, and by `mpm run`'s Python checks, give
the same verdict on every pair x day and the same discoveries.

Default suite: hand-made metrics_daily tables that exercise every semantic
through both paths: for the links, a divergence, a linked regression, a
consistent pair, calendar gaps, the label-coverage and sample-size gates,
a missing series, too few days, a series only staged rows could give, an
engagement gain without satisfaction; for the KS tests, the window, the
sample-size gate, ties at the cut-off, material and immaterial shifts.
Each with a declaration file of its own, so dbt reads it from the var
`mpm` passes, not the seed. Every demo scenario through plain `dbt build`
is in tests/test_rule_verdicts.py (slow)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from python_checks import declare
from python_checks.checks import CheckContext
from python_checks.checks import links as link_checks
from python_checks.checks import thresholds as threshold_checks
from python_checks.declare import rules_seed
from python_checks.declare.links import load_links
from python_checks.declare.thresholds import load_thresholds
from python_checks.results import Status
from python_checks.warehouse.dbt import Dbt
from python_checks.warehouse.engine import DuckDBEngine

LINK_MODELS = "link_rules int_link_rules link_verdicts_daily"


def test_the_links_file_compiles_to_one_row_per_pair():
    """Plain `dbt build` reads seeds/link_rules.csv: the links, then the
    guardrail pairs, each with its two series."""
    links, thresholds = load_links(), load_thresholds()
    assert rules_seed.seeds_are_current(thresholds, links) == []
    rows = rules_seed.compile_links(links, thresholds)
    assert len(rows) == len(links.links) + len(links.guardrails) > 0
    first = rows[0]
    assert (first["link_id"], first["name"], first["first_metric"], first["second_better"]) == (
        "l001",
        "spam_precision->false_block_tickets",
        "precision",
        -1,
    )
    assert rows[len(links.links)]["link_id"] == "g001"


THRESHOLDS = textwrap.dedent(
    """\
    settings:
      evaluation_window_days: 10
      min_label_coverage: 0.5
    rules: []
    """
)

LINKS = textwrap.dedent(
    """\
    settings:
      window_days: 5
      min_days_per_window: 3
      noise_z: 3.0
      min_relative_change: 0.03
      min_sample_size: 50
      severity: error
    links:
      - name: precision->tickets
        model: {model: m1, metric: precision, better: up, needs_labels: true}
        business: {model: __product__, metric: tickets, better: down}
      - name: ndcg->session
        model: {model: m1, metric: ndcg_at_10, better: up}
        business: {model: __product__, metric: session_seconds, better: up}
      - name: recall->dau
        model: {model: m1, metric: recall, better: up}
        business: {model: __product__, metric: dau, better: up}
      - name: auc->absent
        model: {model: m1, metric: auc_roc, better: up}
        business: {model: __product__, metric: never_published, better: up}
      - name: latency->dau
        model: {model: m1, metric: latency_p95_ms, better: down}
        business: {model: __product__, metric: dau, better: up}
      - name: sparse->dau
        model: {model: m2, metric: precision, better: up}
        business: {model: __product__, metric: dau, better: up}
    guardrails:
      severity: warn
      pairs:
        - engagement: {model: __product__, metric: ctr}
          guardrails:
            - {metric: avg_rating, better: up}
            - {metric: dau, better: up}
    """
)


def hand_made_metrics() -> pd.DataFrame:
    """30 days: m1's precision falls while tickets rise (from day 22), its
    ndcg rises while sessions fall (from day 20), its recall and dau only
    wobble; calendar gaps, low-coverage and small days on m1; m2 with two
    days a week; ctr up while ratings fall (from day 24)."""
    rng = np.random.default_rng(7)
    days = pd.date_range("2026-03-01", periods=30, freq="D")
    rows = []

    def add(day, model, metric, value, n=500):
        rows.append((day.date(), model, "__all__", "__all__", "x", metric, "", value, n))

    for i, day in enumerate(days):
        noise = lambda sd: rng.normal(0, sd)  # noqa: E731
        if i not in (9, 17, 26):  # calendar gaps: no m1 row at all
            add(day, "m1", "precision", 0.9 + noise(0.01) - (0.15 if i >= 22 else 0),
                n=30 if i == 24 else 500)  # fmt: skip
            add(day, "m1", "label_coverage", 0.2 if i in (12, 27) else 0.9)
            add(day, "m1", "ndcg_at_10", 0.5 + noise(0.01) + (0.1 if i >= 20 else 0))
            add(day, "m1", "recall", 0.7 + noise(0.01))
            add(day, "m1", "auc_roc", 0.9 + noise(0.01))
        if i % 7 in (0, 3):
            add(day, "m2", "precision", 0.8 + noise(0.01))
        add(day, "__product__", "tickets", 10 + noise(0.5) + (8 if i >= 23 else 0))
        add(day, "__product__", "session_seconds", 300 + noise(5) - (60 if i >= 21 else 0))
        add(day, "__product__", "dau", 1000 + noise(20))
        add(day, "__product__", "ctr", 0.1 + noise(0.002) + (0.03 if i >= 24 else 0))
        add(day, "__product__", "avg_rating", None if i == 5 else 4.2 + noise(0.03)
            - (0.5 if i >= 24 else 0))  # fmt: skip
    columns = ["metric_date", "model_name", "model_version", "segment", "layer",
               "metric_name", "feature_name", "metric_value", "sample_size"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def judge_both_ways(tmp_path: Path):
    """(Python verdicts, dbt verdicts, dbt node statuses, Python results)
    on a warehouse holding hand_made_metrics as main.metrics_daily."""
    (tmp_path / "thresholds.yml").write_text(THRESHOLDS)
    (tmp_path / "links.yml").write_text(LINKS)
    warehouse = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(warehouse))
    metrics = hand_made_metrics()  # noqa: F841 - read by DuckDB below
    con.execute("create table main.metrics_daily as select * from metrics")
    con.close()

    declarations = declare.load(tmp_path / "thresholds.yml", tmp_path / "links.yml")
    dbt_vars = rules_seed.dbt_vars_for(declarations.thresholds, declarations.links)
    assert rules_seed.LINK_DBT_VAR in dbt_vars
    engine = DuckDBEngine(warehouse)
    done = Dbt(engine, tmp_path / "dbt", dbt_vars, quiet=True).invoke(
        ["build", "--select", LINK_MODELS]
    )
    statuses = {r.node.name: str(r.status) for r in done.result.results}
    sql = engine.link_verdicts()
    context = CheckContext(engine=engine, declarations=declarations, metrics=engine.metrics())
    results = link_checks.metric_links(context) + link_checks.engagement_guardrails(context)
    engine.close()
    return link_checks.verdict_frame(results), sql, statuses, results


def test_hand_made_links_get_the_same_verdicts_from_dbt_and_python(tmp_path):
    python, sql, statuses, results = judge_both_ways(tmp_path)

    # metrics_daily has no latency series: `mpm run` may compute it from
    # staged rows (none here, so it finds no series); the SQL leaves such
    # a pair to mpm run and says so.
    staged = sql[sql.rule_id == "l005"]
    assert len(staged) == 1 and staged.metric_date.isna().all()
    assert staged.verdict.tolist() == ["not_evaluated"]
    assert link_checks.MPM_ONLY in staged.reason.iloc[0]
    assert threshold_checks.compare_verdicts(python, sql, frozenset({"l005"})).empty
    assert len(python) == len(sql)

    by_day = sql[sql.metric_date.notna()]
    assert len(by_day) >= 40  # judged pair-days, not only not-evaluated rows
    verdicts = by_day.groupby("rule_id")["verdict"].agg(set).to_dict()
    # l001: both worse (precision down, tickets up) once both windows hold
    # the step: a linked regression, an error.
    assert verdicts["l001"] == {"pass", "breach"}
    # l002: ndcg better, sessions worse: the layers diverge.
    assert "breach" in verdicts["l002"]
    # l003: noise only.
    assert verdicts["l003"] == {"pass"}
    # g001: ctr up while ratings fall; g002: dau only wobbles.
    assert "breach" in verdicts["g001"] and verdicts["g002"] == {"pass"}
    reasons = sql[sql.metric_date.isna()].set_index("rule_id")["reason"].to_dict()
    assert reasons["l004"] == "no series for __product__ never_published"
    assert reasons["l006"] == "fewer than 3 days with both series in each window"
    # The window: the last 10 calendar days, gaps included.
    assert sorted(by_day.metric_date.unique())[0] == "2026-03-21"
    assert "2026-03-27" in set(by_day[by_day.rule_id == "l003"].metric_date)

    # The movement itself, not only the verdict, is the same.
    movements = {
        (r.details["link_id"], r.metric_date): r.details
        for r in results
        if r.check == "link" and r.metric_date
    }
    sql_rows = query_links(tmp_path / "wh.duckdb")
    for row in sql_rows.itertuples(index=False):
        ours = movements[(row.rule_id, row.metric_date)]
        assert np.isclose(ours["model_before"], row.first_before, rtol=1e-12)
        assert np.isclose(ours["business_after"], row.second_after, rtol=1e-12)
        assert np.isclose(ours["business_noise"], row.second_noise, rtol=1e-9)
        assert ours["verdict"] == row.movement_verdict

    # dbt build: the error links fail it, the warn guardrails warn.
    assert statuses["declared_error_links_hold"] == "fail"
    assert statuses["declared_warn_links_hold"] == "warn"


def query_links(warehouse: Path) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select rule_id, cast(metric_date as string) as metric_date, first_before, "
            "second_after, second_noise, movement_verdict from marts.link_verdicts_daily "
            "where kind = 'link' and metric_date is not null"
        ).df()
    finally:
        con.close()


# ---- the KS false-discovery control through both paths

FDR_THRESHOLDS = textwrap.dedent(
    """\
    settings:
      evaluation_window_days: 5
    rules: []
    checks:
      drift_fdr: {fdr: 0.05, min_ks_statistic: 0.2, min_sample_size: 100, severity: error}
    """
)


def hand_made_ks_tests() -> pd.DataFrame:
    """8 days x 2 models x 3 features of KS tests: mostly null p-values
    (uniform), a few real shifts (material or not), ties at the cut-off,
    small samples, an undefined p-value and a p-value without its statistic."""
    rng = np.random.default_rng(11)
    rows = []
    days = pd.date_range("2026-05-01", periods=8, freq="D")
    for i, day in enumerate(days):
        for model in ("m1", "m2"):
            for j, feature in enumerate(("f1", "f2", "__prediction__")):
                p, ks, n = float(rng.uniform()), float(rng.uniform(0.01, 0.05)), 500
                if model == "m1" and feature == "f1" and i >= 5:
                    p, ks = 1e-6, 0.3  # material shift
                if model == "m2" and feature == "f2" and i >= 6:
                    p, ks = 1e-4, 0.05  # significant, not material
                if model == "m2" and feature == "f1" and i in (4, 7):
                    p = 0.004  # a tie
                if model == "m1" and feature == "f2" and i == 6:
                    n = 40  # too small to count
                if model == "m1" and feature == "__prediction__" and i == 7:
                    p = None
                for metric, value in (("ks_pvalue", p), ("ks_statistic", ks)):
                    if metric == "ks_statistic" and model == "m2" and j == 2 and i == 5:
                        continue  # a p-value without its statistic: no test
                    rows.append(
                        (
                            day.date(),
                            model,
                            "__all__",
                            "__all__",
                            "drift",
                            metric,
                            feature,
                            value,
                            n,
                        )  # fmt: skip
                    )
        rows.append(
            (day.date(), "m1", "__all__", "__all__", "x", "precision", "", 0.9, 500)
        )  # fmt: skip
    columns = ["metric_date", "model_name", "model_version", "segment", "layer",
               "metric_name", "feature_name", "metric_value", "sample_size"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def test_hand_made_ks_tests_get_the_same_discoveries_from_dbt_and_python(tmp_path):
    from python_checks import nightly
    from python_checks.checks.drift_fdr import drift_fdr

    (tmp_path / "thresholds.yml").write_text(FDR_THRESHOLDS)
    warehouse = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(warehouse))
    metrics = hand_made_ks_tests()  # noqa: F841 - read by DuckDB below
    con.execute("create table main.metrics_daily as select * from metrics")
    con.close()
    declarations = declare.load(tmp_path / "thresholds.yml")
    dbt_vars = rules_seed.dbt_vars_for(declarations.thresholds, declarations.links)
    assert dbt_vars[rules_seed.DRIFT_FDR_DBT_VAR][0]["fdr"] == 0.05
    engine = DuckDBEngine(warehouse)
    done = Dbt(engine, tmp_path / "dbt", dbt_vars, quiet=True).invoke(
        ["build", "--select", "drift_fdr_rules int_drift_fdr_rules drift_fdr_verdicts_daily"]
    )
    statuses = {r.node.name: str(r.status) for r in done.result.results}
    context = CheckContext(engine=engine, declarations=declarations, metrics=engine.metrics())
    results = drift_fdr(context)
    sql = engine.drift_fdr_verdicts()
    same = nightly._same_discoveries(results, sql)
    engine.close()

    assert same.status == Status.PASSED, same.message
    # The window is the last 5 days; a small sample, an undefined p-value
    # and a p-value without its statistic are not tests: 5 x 6 - 3.
    assert len(sql) == 27
    found = sql[sql.verdict == "breach"]
    material = found[found.severity == "error"]
    assert sorted(material.metric_date) == ["2026-05-06", "2026-05-07", "2026-05-08"]
    assert set(material.feature_name) == {"f1"} and set(material.model_name) == {"m1"}
    assert set(found[found.severity == "warn"].feature_name) >= {"f2"}
    # Both tied tests share one fate.
    ties = sql[(sql.model_name == "m2") & (sql.feature_name == "f1")]
    tied = ties[ties.metric_date.isin(["2026-05-05", "2026-05-08"])]
    assert tied.verdict.nunique() == 1
    assert statuses["declared_error_drift_fdr_hold"] == "fail"
    assert statuses["declared_warn_drift_fdr_hold"] == "warn"


def test_a_quote_in_a_passed_link_is_a_clear_error(tmp_path):
    """The var path writes each value into SQL as a literal: a quote in a
    link's name is refused, naming the var, never escaped into the query."""
    (tmp_path / "links.yml").write_text(
        "links:\n"
        '  - name: "it\'s a link"\n'
        "    model: {model: m1, metric: precision}\n"
        "    business: {model: __product__, metric: dau}\n"
    )
    declarations = declare.load(links_file=tmp_path / "links.yml")
    dbt_vars = rules_seed.dbt_vars_for(declarations.thresholds, declarations.links)
    engine = DuckDBEngine(tmp_path / "wh.duckdb")
    with pytest.raises(Exception, match="var link_rules: a quote or backslash in"):
        Dbt(engine, tmp_path / "dbt", dbt_vars, quiet=True).invoke(
            ["build", "--select", "int_link_rules"]
        )
    engine.close()
