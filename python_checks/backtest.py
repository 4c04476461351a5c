"""`mpm backtest`: every rule evaluated on each past day as if it were that
night, to size the alarms before the first real night.

Each night D runs the nightly evaluation's own preparation
(checks/thresholds.prepare with as_of=D and a window of that one day):
metrics_daily cut at D, so `change` and `band` rules see only the history
before D; the same row selection, derivation, Wilson intervals and gates.
A prepared row breaches when its checked value is outside [min, max]
(inclusive), which is what the nightly Great Expectations expectation
(ExpectColumnValuesToBeBetween on checked_value) asserts; GE itself is not
run per night (hundreds of checkpoints), and a test holds the backtest's
last night to the nightly run's breaches.

What it cannot replay: metrics_daily is today's, so a label that arrived
after night D is in D's metrics (label-dependent rules look better matured
than they did that night), and a stored drift reference is today's.

The per-day alarm table goes to the warehouse (`main.backtest_alarms_daily`:
one row per night, rule and model) and a per-rule summary to the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from python_checks.checks import thresholds as threshold_checks
from python_checks.declare import Declarations

TABLE = "backtest_alarms_daily"
COLUMNS = [
    "metric_date", "rule_id", "model_name", "metric_name", "severity", "status",
    "rows_evaluated", "rows_breached", "rows_not_evaluated", "worst_value", "bound", "reason",
]  # fmt: skip


def breached(checked: pd.Series, low: float | None, high: float | None) -> pd.Series:
    """Outside [low, high], both inclusive (GE's expect_column_values_to_be_between)."""
    out = pd.Series(False, index=checked.index)
    if low is not None:
        out |= checked < low
    if high is not None:
        out |= checked > high
    return out


def nights(metrics: pd.DataFrame, start=None, end=None) -> list[pd.Timestamp]:
    dates = pd.to_datetime(metrics["metric_date"])
    first = pd.Timestamp(start) if start is not None else dates.min()
    last = pd.Timestamp(end) if end is not None else dates.max()
    return list(pd.date_range(first, last, freq="D"))


def alarm_table(
    metrics: pd.DataFrame, declarations: Declarations, start=None, end=None
) -> pd.DataFrame:
    """One row per (night, rule, model): alarm, ok or not_evaluated."""
    # the gates' and intervals' inputs too: label coverage, AUC's base rate
    wanted = {r.metric for r in declarations.thresholds.rules} | {"label_coverage", "base_rate"}
    metrics = metrics[metrics["metric_name"].isin(wanted)]
    rows = []
    for night in nights(metrics, start, end):
        prepared = threshold_checks.prepare(metrics, declarations, as_of=night, window_days=1)
        day = str(night.date())
        for check, frame in zip(prepared.bound, prepared.frames, strict=True):
            rule = check.rule
            hit = breached(frame["checked_value"].astype(float), rule.min, rule.max)
            worst = _worst(frame["metric_value"].astype(float), rule)
            rows.append(
                [day, rule.rule_id, check.model, rule.checked_metric, rule.severity,
                 "alarm" if hit.any() else "ok", len(frame), int(hit.sum()), 0,
                 worst, rule.bound_text(), ""]
            )  # fmt: skip
        for result in prepared.results:
            rows.append(
                [day, result.details["rule_id"], result.model, result.metric, result.severity,
                 "not_evaluated", 0, 0, result.details.get("rows", 0), np.nan, result.bound,
                 result.message]
            )  # fmt: skip
    table = pd.DataFrame(rows, columns=COLUMNS)
    # A rule whose rows are partly evaluable gets both an ok/alarm and a
    # not_evaluated row: one row per (night, rule, model), the judged one.
    table = table.sort_values("status", key=lambda s: s.eq("not_evaluated"))
    return table.drop_duplicates(["metric_date", "rule_id", "model_name"]).sort_values(
        ["rule_id", "model_name", "metric_date"], ignore_index=True
    )


def _worst(values: pd.Series, rule) -> float:
    if values.empty:
        return float("nan")
    if rule.kind != "static":
        return float(values.iloc[0])
    if rule.min is not None and rule.max is None:
        return float(values.min())
    if rule.max is not None and rule.min is None:
        return float(values.max())
    return float(values.iloc[0])


@dataclass(frozen=True)
class RuleSummary:
    rule_id: str
    model: str
    metric: str
    days_evaluated: int
    alarm_days: int
    first_alarm: str
    longest_run: int


def summarize(table: pd.DataFrame) -> list[RuleSummary]:
    """Per rule and model: days evaluated, alarm days, first alarm, the
    longest run of consecutive alarm nights."""
    out = []
    for (rule_id, model), rows in table.groupby(["rule_id", "model_name"], sort=True):
        judged = rows[rows["status"] != "not_evaluated"]
        alarms = pd.to_datetime(judged.loc[judged["status"] == "alarm", "metric_date"])
        out.append(
            RuleSummary(
                rule_id=rule_id,
                model=model,
                metric=str(rows["metric_name"].iloc[0]),
                days_evaluated=len(judged),
                alarm_days=len(alarms),
                first_alarm=str(alarms.min().date()) if len(alarms) else "",
                longest_run=longest_run(alarms),
            )
        )
    return out


def longest_run(days: pd.Series) -> int:
    """The longest run of consecutive calendar days in `days`."""
    if len(days) == 0:
        return 0
    ordinals = np.sort(np.unique(pd.to_datetime(days).map(pd.Timestamp.toordinal)))
    breaks = np.flatnonzero(np.diff(ordinals) != 1)
    edges = np.concatenate(([-1], breaks, [len(ordinals) - 1]))
    return int(np.diff(edges).max())


def render(summaries: list[RuleSummary], table: pd.DataFrame, where: str) -> str:
    nights_run = table["metric_date"].nunique()
    first, last = table["metric_date"].min(), table["metric_date"].max()
    lines = [
        f"backtest: {len(summaries)} rule(s) x model, {nights_run} night(s) {first} .. {last}; "
        f"per-day alarms in {where}",
        f"  {'rule':<5} {'model':<20} {'metric':<34} {'days':>5} {'alarms':>6} "
        f"{'first alarm':<11} {'longest':>7}",
    ]
    for s in summaries:
        lines.append(
            f"  {s.rule_id:<5} {s.model[:20]:<20} {s.metric[:34]:<34} {s.days_evaluated:>5} "
            f"{s.alarm_days:>6} {s.first_alarm or '-':<11} {s.longest_run:>7}"
        )
    return "\n".join(lines)


@dataclass
class BacktestOutcome:
    table: pd.DataFrame
    summaries: list[RuleSummary]
    results: list  # config lines: models the config names that the warehouse lacks
    where: str


def run(options, start=None, end=None) -> BacktestOutcome:
    """The backtest of a built warehouse with its config (nightly's
    RunOptions): the alarm table written to the warehouse, and its summary.
    metrics_daily missing is exit 2 (`mpm build` or `mpm init` first)."""
    from python_checks import nightly
    from python_checks.declare.catalog import catalog_from_manifest
    from python_checks.errors import UsageError
    from python_checks.results import RunOutcome
    from python_checks.warehouse.dbt import Dbt
    from python_checks.warehouse.engine import open_engine

    declarations = nightly.load_declarations(options)
    engine = open_engine(options.warehouse)
    try:
        if not engine.table_exists("main", "metrics_daily"):
            raise UsageError(
                f"{options.warehouse}: metrics_daily does not exist; build it first "
                "(`mpm build`, or `mpm init`)"
            )
        metrics = engine.metrics()
        if metrics.empty:
            raise UsageError(f"{options.warehouse}: metrics_daily is empty, nothing to backtest")
        dbt = Dbt(engine, options.reports / "dbt", declarations.dbt_vars.overrides, True)
        declarations = declarations.with_catalog(catalog_from_manifest(dbt.manifest()))
        config = RunOutcome()
        declarations = nightly.absent_models(declarations, metrics, config)
        table = alarm_table(metrics, declarations, start, end)
        engine.write_table("main", TABLE, table)
    finally:
        engine.close()
    return BacktestOutcome(table, summarize(table), config.results, f"main.{TABLE}")
