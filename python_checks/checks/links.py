"""The bridge between the layers (links.yml in the config folder).

For every declared link and every day of the evaluation window: both
series, their change (last 7 days vs the 7 before) against their own noise,
their rank correlation over a longer window, and a verdict. A divergence
(one layer better beyond noise, the other worse beyond noise) or a linked
regression (both worse: the model regression reached users) is a breach of
the link's severity, error by default; the message names both layers'
metrics and how each moved.

Engagement without satisfaction uses the same machinery: each engagement
metric with its declared guardrails, flagged when the engagement metric
rises beyond noise while a guardrail degrades beyond noise.

A series that metrics_daily does not hold is "not evaluated", never a
pass. For the few model metrics whose definition is plain on staged rows
(latency percentiles, ndcg_at_K, recall_at_K) the link can fall back to
computing the series from the staged tables, said so in the message, so a
link still works before the mart that publishes the metric exists."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from python_checks.checks.context import CheckContext
from python_checks.checks.thresholds import VERDICT_COLUMNS
from python_checks.declare.links import (
    STAGED_LATENCY,
    STAGED_RANKING,
    GuardrailPair,
    Link,
    Links,
    MovementSettings,
    Series,
)
from python_checks.results import CheckResult, Status
from python_checks.stats.movement import (
    Movement,
    as_series,
    classify,
    movement,
    rank_correlation,
)

CHECK = "link"
GUARDRAIL_CHECK = "engagement_guardrail"


def metric_links(ctx: CheckContext) -> list[CheckResult]:
    reader = SeriesReader(ctx, ctx.declarations.links)
    if not reader.links.links:
        return [_none_declared(ctx, CHECK, "link")]
    return [
        result
        for link in reader.links.links
        for result in evaluate_link(link, reader, reader.links, ctx.window_days)
    ]


def engagement_guardrails(ctx: CheckContext) -> list[CheckResult]:
    reader = SeriesReader(ctx, ctx.declarations.links)
    if not reader.links.guardrails:
        return [_none_declared(ctx, GUARDRAIL_CHECK, "guardrail pair (guardrails: pairs:)")]
    return [
        result
        for pair in reader.links.guardrails
        for result in evaluate_guardrail(pair, reader, reader.links, ctx.window_days)
    ]


# The SQL leaves a pair whose series only the staged rows hold to `mpm run`
# (link_verdicts_daily's reason says so); the comparison leaves it out.
MPM_ONLY = "judged by mpm run only"
_VERDICTS = {
    Status.PASSED: "pass",
    Status.BREACHED: "breach",
    Status.NOT_EVALUATED: "not_evaluated",
}


def verdict_frame(results: list[CheckResult]) -> pd.DataFrame:
    """The link and guardrail results of a run as rule x day verdicts, in
    the columns of dbt's link_verdicts_daily (thresholds.VERDICT_COLUMNS),
    so both paths' verdicts can be compared."""
    rows = [
        {
            "rule_id": r.details["link_id"],
            "model_name": r.model,
            "model_version": r.model_version,
            "segment": r.segment,
            "metric_name": r.metric,
            "feature_name": "",
            "metric_date": r.metric_date or None,
            "verdict": _VERDICTS[r.status],
        }
        for r in results
        if r.check in (CHECK, GUARDRAIL_CHECK) and "link_id" in r.details
    ]
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def _none_declared(ctx: CheckContext, check: str, what: str) -> CheckResult:
    """One line for a cross-layer check the config gives nothing to check
    (`mpm init` writes links.yml as a commented template)."""
    path = ctx.declarations.links.path
    return CheckResult.not_applicable(
        check, "warn", f"no {what} declared in {path.name if path else 'links.yml'}"
    )


class SeriesReader:
    """Daily series from metrics_daily (rollup __all__/__all__), with the
    staged-row fallback for latency and ranking metrics."""

    def __init__(self, ctx: CheckContext, links: Links):
        self.ctx, self.links = ctx, links
        self.min_coverage = ctx.declarations.min_label_coverage
        self._cache: dict[tuple, tuple[pd.Series, str]] = {}

    def get(self, series: Series, min_sample_size: int = 0) -> tuple[pd.Series, str]:
        """(date → value, where it came from); an empty series when absent."""
        key = (series.model, series.metric, series.needs_labels, min_sample_size)
        if key not in self._cache:
            self._cache[key] = self._read(series, min_sample_size)
        return self._cache[key]

    def _read(self, series: Series, min_sample_size: int) -> tuple[pd.Series, str]:
        rows = self.ctx.rollup(series.model, series.metric)
        source = "metrics_daily"
        if rows.empty and self.links.staged_fallback:
            rows = staged_series(self.ctx, series.model, series.metric)
            source = "staged rows (metrics_daily has no such series)"
        if rows.empty:
            return pd.Series(dtype=float), ""
        rows = rows[rows["sample_size"].fillna(0) >= min_sample_size]
        if series.needs_labels:
            coverage = self.ctx.rollup(series.model, "label_coverage")
            if not coverage.empty:
                mature = set(
                    pd.to_datetime(
                        coverage.loc[coverage["metric_value"] >= self.min_coverage, "metric_date"]
                    ).dt.date
                )
                rows = rows[pd.to_datetime(rows["metric_date"]).dt.date.isin(mature)]
        return as_series(rows), source


def staged_series(ctx: CheckContext, model: str, metric: str) -> pd.DataFrame:
    """A model metric computed from the staged rows, for the metrics whose
    contract definition is plain there; empty for any other metric."""
    latency = STAGED_LATENCY.match(metric)
    ranking = STAGED_RANKING.match(metric)
    if latency and ctx.table_exists("staging", "stg_raw__predictions"):
        rows = ctx.query(
            "select metric_date, latency_ms from staging.stg_raw__predictions "
            "where model_name = ? and latency_ms is not null",
            [model],
        )
        q = int(latency.group(1)) / 100
        daily = rows.groupby("metric_date")["latency_ms"].agg(
            metric_value=lambda x: float(np.percentile(x, q * 100)), sample_size="size"
        )
        return daily.reset_index()
    if ranking and ctx.table_exists("staging", "stg_raw__labels"):
        return _ranking_series(ctx, model, ranking.group(1), int(ranking.group(2)))
    return pd.DataFrame(columns=["metric_date", "metric_value", "sample_size"])


def _ranking_series(ctx: CheckContext, model: str, kind: str, k: int) -> pd.DataFrame:
    """ndcg_at_K (linear gain) or recall_at_K per day, averaged over requests
    with a relevant judged item, as the contract defines them (ranx)."""
    served = ctx.query(
        "select metric_date, request_id, item_id, rank from staging.stg_raw__predictions "
        "where model_name = ? and task_type = 'ranking' and request_id is not null",
        [model],
    )
    judged = ctx.query(
        "select request_id, item_id, actual_value as relevance from staging.stg_raw__labels "
        "where request_id is not null and request_id in ("
        "select request_id from staging.stg_raw__predictions where model_name = ?)",
        [model],
    )
    empty = pd.DataFrame(columns=["metric_date", "metric_value", "sample_size"])
    if served.empty or judged.empty:
        return empty
    judged = judged[judged["relevance"] > 0]
    top = served[served["rank"] <= k].merge(judged, on=["request_id", "item_id"], how="left")
    top["relevance"] = top["relevance"].fillna(0.0)
    per_request = top.groupby("request_id").agg(
        metric_date=("metric_date", "first"),
        hits=("relevance", lambda r: float((r > 0).sum())),
    )
    top["gain"] = top["relevance"] / np.log2(top["rank"] + 1)
    per_request["dcg"] = top.groupby("request_id")["gain"].sum()
    ideal = judged.sort_values(["request_id", "relevance"], ascending=[True, False]).copy()
    ideal["position"] = ideal.groupby("request_id").cumcount() + 1
    ideal = ideal[ideal["position"] <= k]
    ideal["gain"] = ideal["relevance"] / np.log2(ideal["position"] + 1)
    per_request = per_request.join(ideal.groupby("request_id")["gain"].sum().rename("idcg"))
    per_request = per_request.join(judged.groupby("request_id").size().rename("n_relevant"))
    per_request = per_request[per_request["n_relevant"].fillna(0) > 0]
    if per_request.empty:
        return empty
    if kind == "ndcg":
        per_request["value"] = per_request["dcg"] / per_request["idcg"]
    else:
        per_request["value"] = per_request["hits"] / per_request["n_relevant"]
    daily = per_request.groupby("metric_date")["value"].agg(metric_value="mean", sample_size="size")
    return daily.reset_index()


def _days_to_check(a: pd.Series, b: pd.Series, window_days: int) -> list[dt.date]:
    if a.empty or b.empty:
        return []
    last = max(a.index.max(), b.index.max())
    return [last - dt.timedelta(days=i) for i in range(window_days - 1, -1, -1)]


def _judge_pair(
    what: str,
    pair: tuple[tuple[Series, pd.Series], tuple[Series, pd.Series]],
    base: dict,
    settings: MovementSettings,
    window_days: int,
    judge,
    too_few: str,
) -> list[CheckResult]:
    """The shared skeleton of the link and guardrail checks: both series
    must exist, then `judge(day, first movement, second movement)` gives the
    result of every day of the window on which both moved measurably; a
    pair with no such day is not evaluated."""
    (first, a), (second, b) = pair
    missing = [series.label for series, values in pair if values.empty]
    if missing:
        return [
            CheckResult(
                status=Status.NOT_EVALUATED,
                message=f"{what}: not evaluated, no series for {' and '.join(missing)}",
                **base,
            )
        ]
    results = []
    for day in _days_to_check(a, b, window_days):
        moved_a, moved_b = movement(a, day, settings), movement(b, day, settings)
        if moved_a is not None and moved_b is not None:
            results.append(judge(day, moved_a, moved_b))
    if not results:
        return [
            CheckResult(
                status=Status.NOT_EVALUATED, message=f"{what}: not evaluated, {too_few}", **base
            )
        ]
    return results


def evaluate_link(
    link: Link, reader: SeriesReader, links: Links, window_days: int
) -> list[CheckResult]:
    model, model_source = reader.get(link.model, links.min_sample_size)
    business, _ = reader.get(link.business)
    base = dict(
        check=CHECK,
        severity=links.severity,
        model=link.model.model,
        model_version="__all__",
        segment="__all__",
        metric=link.name,
    )
    days = links.movement.correlation_days

    def judge(day, m: Movement, b: Movement) -> CheckResult:
        rho = rank_correlation(model, business, day, days)
        verdict = classify(m, link.model.better, b, link.business.better)
        return _link_result(link, day, m, b, (rho, days), verdict, model_source, base)

    return _with_id(
        link.link_id,
        _judge_pair(
            f"link {link.name}",
            ((link.model, model), (link.business, business)),
            base,
            links.movement,
            window_days,
            judge,
            f"fewer than {links.movement.min_days_per_window} days with both series in each window",
        ),
    )


def _with_id(link_id: str, results: list[CheckResult]) -> list[CheckResult]:
    """Each result under its link's id (l001, g001: the rule_id of dbt's
    link_verdicts_daily), so both paths' verdicts can be matched."""
    for result in results:
        result.details["link_id"] = link_id
    return results


def _link_result(link, day, m: Movement, b: Movement, correlation, verdict, model_source, base):
    rho, days = correlation
    what = {
        "diverged": "the layers diverge",
        "regressed_together": "the model regression reached users",
        "consistent": "consistent",
    }[verdict]
    rho_text = "n/a" if rho is None else f"{rho:+.2f}"
    source = "" if model_source == "metrics_daily" else f" [model series from {model_source}]"
    message = (
        f"link {link.name}: model layer {link.model.label} {m.describe(link.model.better)}; "
        f"business layer {link.business.label} {b.describe(link.business.better)}: {what} "
        f"(rank correlation {rho_text} over {days} days){source}"
    )
    breached = verdict != "consistent"
    return CheckResult(
        status=Status.BREACHED if breached else Status.PASSED,
        message=message,
        metric_date=str(day),
        value=b.change / abs(b.before) if b.before else None,
        bound=_moved_text(link, m, b) if breached else "layers consistent",
        details={
            "verdict": verdict,
            "model_metric": link.model.label,
            "business_metric": link.business.label,
            "model_before": m.before,
            "model_after": m.after,
            "model_noise": m.noise,
            "business_before": b.before,
            "business_after": b.after,
            "business_noise": b.noise,
            "rank_correlation": rho,
            "model_source": model_source,
        },
        **base,
    )


def _moved_text(link: Link, model: Movement, business: Movement) -> str:
    """Which way each layer moved beyond its noise, e.g. `spam_filter
    precision fell (worse); __product__ tickets rose (worse)`."""

    def way(series: Series, m: Movement) -> str:
        if m.direction == 0:
            return f"{series.label} held"
        verb = "rose" if m.direction > 0 else "fell"
        return f"{series.label} {verb} ({'better' if m.direction == series.better else 'worse'})"

    return f"{way(link.model, model)}; {way(link.business, business)}"


def evaluate_guardrail(
    pair: GuardrailPair, reader: SeriesReader, links: Links, window_days: int
) -> list[CheckResult]:
    engagement, _ = reader.get(pair.engagement)
    guardrail, _ = reader.get(pair.guardrail)
    name = pair.name
    base = dict(
        check=GUARDRAIL_CHECK,
        severity=links.guardrail_severity,
        model=pair.engagement.model,
        model_version="__all__",
        segment="__all__",
        metric=name,
    )

    def judge(day, e: Movement, g: Movement) -> CheckResult:
        flagged = engagement_without_satisfaction(
            e, pair.engagement.better, g, pair.guardrail.better
        )
        return CheckResult(
            status=Status.BREACHED if flagged else Status.PASSED,
            message=(
                f"engagement {pair.engagement.label} {e.describe(pair.engagement.better)} "
                f"while guardrail {pair.guardrail.label} {g.describe(pair.guardrail.better)}"
                + (": engagement without satisfaction" if flagged else "")
            ),
            metric_date=str(day),
            value=g.change / abs(g.before) if g.before else None,
            bound=f"{pair.guardrail.metric} holds while {pair.engagement.metric} rises",
            details={"engagement_change": e.change, "guardrail_change": g.change},
            **base,
        )

    return _with_id(
        pair.link_id,
        _judge_pair(
            f"guardrail {name}",
            ((pair.engagement, engagement), (pair.guardrail, guardrail)),
            base,
            links.movement,
            window_days,
            judge,
            "too few days in each window",
        ),
    )


def engagement_without_satisfaction(
    engagement: Movement, engagement_better: int, guardrail: Movement, guardrail_better: int
) -> bool:
    """The engagement metric improved beyond noise while its guardrail got worse beyond noise."""
    return (
        engagement.direction * engagement_better > 0 and guardrail.direction * guardrail_better < 0
    )
