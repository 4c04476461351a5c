"""`mpm backtest`: every rule on each past night through the nightly
evaluation's own preparation (checks/thresholds.prepare with as_of), its
per-day alarm table and per-rule summary, and the same verdicts as the
nightly run's Great Expectations checkpoint."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from python_checks import backtest, declare
from python_checks.checks import thresholds as threshold_checks
from python_checks.declare.catalog import MetricCatalog, MetricInfo
from python_checks.warehouse.engine import DuckDBEngine

DAYS = pd.date_range("2026-05-01", periods=8, freq="D")
AUC = [0.90, 0.91, 0.70, 0.72, 0.90, 0.60, 0.75, 0.92]
SIZES = [100, 100, 100, 100, 100, 10, 100, 100]  # day 6 is too small to judge
LATENCY = [100, 110, 90, 105, 95, 100, 102, 400]  # reference: mean 100, sd 10


def _metrics() -> pd.DataFrame:
    rows = []
    for day, auc, n, latency in zip(DAYS, AUC, SIZES, LATENCY, strict=True):
        base = dict(metric_date=day, model_name="churn", model_version="__all__",
                    segment="__all__", feature_name="")  # fmt: skip
        rows += [
            {**base, "layer": "model_quality", "metric_name": "auc_roc", "metric_value": auc,
             "sample_size": n},
            {**base, "layer": "model_quality", "metric_name": "latency_p95_ms",
             "metric_value": float(latency), "sample_size": 100},
        ]  # fmt: skip
    return pd.DataFrame(rows)


def _declarations(tmp_path):
    path = tmp_path / "thresholds.yml"
    path.write_text(
        "rules:\n"
        "  - {model: churn, metric: auc_roc, min: 0.75, min_sample_size: 50}\n"
        "  - {model: churn, metric: latency_p95_ms, kind: band, reference_days: 3, k: 3,"
        " severity: warn}\n"
        "  - {model: gone, metric: auc_roc, min: 0.5}\n"
        "  - {model: churn, metric: auc_roc, min: 0.75, min_sample_size: 50,"
        " persistence: {k: 2, n: 2}}\n"
    )
    catalog = MetricCatalog(
        auc_roc=MetricInfo("auc_roc", "model_quality", "m", False),
        latency_p95_ms=MetricInfo("latency_p95_ms", "model_quality", "m", False),
    )
    return replace(declare.load(thresholds_file=path), catalog=catalog)


def test_breached_is_outside_the_inclusive_bounds():
    values = pd.Series([0.5, 0.75, 0.8, 1.0, 1.01])
    assert backtest.breached(values, 0.75, 1.0).tolist() == [True, False, False, False, True]
    assert backtest.breached(values, None, 0.8).tolist() == [False, False, False, True, True]


def test_longest_run_counts_consecutive_days():
    days = pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-04", "2026-01-05",
                           "2026-01-06", "2026-01-09"])  # fmt: skip
    assert backtest.longest_run(days) == 3
    assert backtest.longest_run(pd.Series([], dtype="datetime64[ns]")) == 0


def test_alarm_table_judges_each_night_as_that_night(tmp_path):
    declared = _declarations(tmp_path)
    table = backtest.alarm_table(_metrics(), declared)
    auc = table[table["rule_id"] == "r001"].set_index("metric_date")
    assert auc["status"].tolist() == [
        "ok", "ok", "alarm", "alarm", "ok", "not_evaluated", "ok", "ok"
    ]  # fmt: skip
    assert auc.loc["2026-05-03", "worst_value"] == pytest.approx(0.70)
    assert "sample size below 50" in auc.loc["2026-05-06", "reason"]
    # the band needs its 3 reference days; the 400 ms day is far outside
    latency = table[table["rule_id"] == "r002"].set_index("metric_date")
    assert latency["status"].tolist() == ["not_evaluated"] * 2 + ["ok"] * 5 + ["alarm"]
    # a model with no rows is not evaluated each night, never ok
    assert set(table.loc[table["rule_id"] == "r003", "status"]) == {"not_evaluated"}

    summary = {s.rule_id: s for s in backtest.summarize(table)}
    assert summary["r001"] == backtest.RuleSummary(
        "r001", "churn", "auc_roc", days_evaluated=7, alarm_days=2,
        first_alarm="2026-05-03", longest_run=2,
    )  # fmt: skip
    assert (summary["r002"].alarm_days, summary["r002"].first_alarm) == (1, "2026-05-08")
    assert summary["r003"].days_evaluated == 0

    # 2 of 2: the first low day alone does not alarm, the second does; the
    # too-small day between is skipped, not counted
    persistent = table[table["rule_id"] == "r004"].set_index("metric_date")["status"]
    assert persistent.tolist() == [
        "ok", "ok", "ok", "alarm", "ok", "not_evaluated", "ok", "ok"
    ]  # fmt: skip

    # --from/--to: only those nights, each still seeing its own history
    part = backtest.alarm_table(_metrics(), declared, "2026-05-04", "2026-05-05")
    assert sorted(part["metric_date"].unique()) == ["2026-05-04", "2026-05-05"]
    assert part.loc[part["rule_id"] == "r001", "status"].tolist() == ["alarm", "ok"]


def test_night_cut_hides_the_future(tmp_path):
    """A change rule on night D sees only the days up to D: its value on D
    does not move when later days change."""
    declared = _declarations(tmp_path)
    metrics = _metrics()
    prepared = threshold_checks.prepare(metrics, declared, as_of=DAYS[4], window_days=1)
    later = metrics.assign(
        metric_value=metrics["metric_value"].where(metrics["metric_date"] <= DAYS[4], 0.0)
    )
    again = threshold_checks.prepare(later, declared, as_of=DAYS[4], window_days=1)
    for one, two in zip(prepared.frames, again.frames, strict=True):
        assert one["checked_value"].tolist() == two["checked_value"].tolist()
        assert one["metric_date"].tolist() == [DAYS[4]]


def test_backtest_alarms_are_the_nightly_breaches(tmp_path):
    """The nightly run's Great Expectations checkpoint over the whole window
    breaches exactly the (rule, day) pairs the backtest alarms on."""
    declared = _declarations(tmp_path)
    metrics = _metrics()
    runner = threshold_checks.InProcess(DuckDBEngine(tmp_path / "unused.duckdb"))
    results, _ = threshold_checks.evaluate(metrics, declared, runner, tmp_path / "docs")
    nightly = {(r.details["rule_id"], r.metric_date) for r in results if r.status == "breached"}
    table = backtest.alarm_table(metrics, declared)
    alarms = set(
        table.loc[table["status"] == "alarm", ["rule_id", "metric_date"]].itertuples(
            index=False, name=None
        )
    )
    assert nightly == alarms == {
        ("r001", "2026-05-03"), ("r001", "2026-05-04"), ("r002", "2026-05-08"),
        ("r004", "2026-05-04"),
    }  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scenario", "kind", "other"),
    [("data_drift", "data_drift_detected", "concept_drift_detected"),
     ("concept_drift", "concept_drift_detected", "data_drift_detected")],
)  # fmt: skip
def test_backtest_on_drift_scenarios(tmp_path, scenario, kind, other, capsys):
    """The demo's config on the drift scenarios (injection from day 20 of
    30): the verdict of the injected kind alarms on the injected days (the
    last two days' labels are too immature for concept drift), the other
    kind never; error rules alarm on no clean rule-day, and all rules on
    fewer than 2 % of them."""
    from python_checks import cli, paths
    from python_checks.demo.scenarios import injection_day
    from tests.conftest import query

    warehouse = tmp_path / f"{scenario}.duckdb"
    base = ["--warehouse", str(warehouse), "--reports", str(tmp_path / "r"), "--quiet"]
    assert cli.main(["generate", "--scenario", scenario, "--warehouse", str(warehouse)]) == 0
    assert cli.main(["build", *base, "--full-refresh"]) in (0, 1)
    config = ["--config-dir", str(paths.DEMO_CONFIG_DIR)]
    assert cli.main(["backtest", *base, *config]) == 0
    capsys.readouterr()
    table = query(warehouse, "select * from main.backtest_alarms_daily")
    table["day"] = pd.to_datetime(table["metric_date"])
    start = table["day"].min() + pd.Timedelta(days=injection_day(30))
    alarms = table[table["status"] == "alarm"]
    flagged = alarms[alarms["metric_name"] == kind]
    assert set(flagged["model_name"]) == {"spam_filter"}
    injected = pd.date_range(start, table["day"].max(), freq="D")
    expected = injected if kind == "data_drift_detected" else injected[:-2]
    assert sorted(flagged["day"]) == list(expected)
    assert alarms[alarms["metric_name"] == other].empty
    clean = table[(table["day"] < start) & (table["status"] != "not_evaluated")]
    error = clean[clean["severity"] == "error"]
    assert len(error) > 500 and (error["status"] == "alarm").sum() == 0
    assert (clean["status"] == "alarm").mean() < 0.02


def test_report_reads_the_written_alarm_table(tmp_path):
    """What `mpm backtest` writes is what the next report reads
    (Engine.backtest_alarms); without a backtest it reads nothing."""
    path = tmp_path / "wh.duckdb"
    duckdb.connect(str(path)).close()
    engine = DuckDBEngine(path)
    try:
        assert engine.backtest_alarms().empty
        table = backtest.alarm_table(_metrics(), _declarations(tmp_path))
        engine.write_table("main", backtest.TABLE, table)
        read = engine.backtest_alarms()
    finally:
        engine.close()
    auc = read[read["rule_id"] == "r001"]
    assert auc["metric_date"].tolist() == [str(d.date()) for d in DAYS]
    assert auc["status"].tolist() == table.loc[table["rule_id"] == "r001", "status"].tolist()
    assert {s.rule_id: s.alarm_days for s in backtest.summarize(read)} == {
        "r001": 2, "r002": 1, "r003": 0, "r004": 1
    }  # fmt: skip
