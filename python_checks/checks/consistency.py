"""Cross-layer consistency: the model layer (predictions) and the business
layer (events) must describe the same product, or every link between them
is meaningless. Four checks, tolerances in thresholds.yml (checks.consistency):

- impressions reconcile with served ranked items: per model and day, the
  impression events of a request_id against the ranked items served for it;
- every click has an impression (same request_id and item_id);
- a support ticket attributed to a model belongs to a user the model served
  (at or before the ticket);
- n_predictions in metrics_daily equals the staged rows per model and day.

The fan-out guards (row counts before and after every 1:1 join) are dbt
tests on the models themselves (equal_row_count, unique_combination)."""

from __future__ import annotations

import pandas as pd

from python_checks.checks.context import CheckContext
from python_checks.results import CheckResult, Status

CHECK = "consistency"


def _result(ok: bool, severity: str, metric: str, message: str, **kw) -> CheckResult:
    return CheckResult(
        check=CHECK,
        status=Status.PASSED if ok else Status.BREACHED,
        severity=severity,
        metric=metric,
        message=message,
        model_version="__all__",
        segment="__all__",
        **kw,
    )


def _day(value) -> str:
    """A day from a query result as YYYY-MM-DD ('' when null)."""
    return "" if value is None or pd.isna(value) else str(pd.Timestamp(value).date())


def cross_layer_consistency(ctx: CheckContext) -> list[CheckResult]:
    severity = ctx.settings.consistency.severity
    missing = ctx.missing(
        CHECK, severity, "staging.stg_raw__predictions", "staging.stg_raw__events"
    )
    if missing:
        return missing
    return (
        impressions_reconcile(ctx, severity)
        + clicks_have_impressions(ctx, severity)
        + tickets_attributed_to_served_users(ctx, severity)
        + n_predictions_match_staged(ctx, severity)
    )


def impressions_reconcile(ctx: CheckContext, severity: str) -> list[CheckResult]:
    tolerance = ctx.settings.consistency.impression_relative_tolerance
    days = ctx.query(
        """
        with served as (
            select model_name, request_id, min(metric_date) as metric_date, count(*) as n_served
            from staging.stg_raw__predictions
            where task_type = 'ranking' and request_id is not null
            group by model_name, request_id
        ),
        impressed as (
            select request_id, count(*) as n_impressions
            from staging.stg_raw__events
            where event_type = 'impression' and request_id is not null
            group by request_id
        )
        select
            served.model_name,
            served.metric_date,
            sum(served.n_served) as n_served,
            sum(coalesce(impressed.n_impressions, 0)) as n_impressions
        from served
        left join impressed on served.request_id = impressed.request_id
        group by served.model_name, served.metric_date
        order by served.model_name, served.metric_date
        """
    )
    orphans = int(
        ctx.query(
            """
        select count(*) from staging.stg_raw__events as e
        where e.event_type = 'impression' and (e.request_id is null or not exists (
            select 1 from staging.stg_raw__predictions as p where p.request_id = e.request_id))
        """
        ).iloc[0, 0]
    )
    results = []
    for model, part in days.groupby("model_name"):
        gap = (part["n_impressions"] - part["n_served"]).abs() / part["n_served"]
        bad = part[gap > tolerance]
        worst = bad.loc[gap[gap > tolerance].idxmax()] if not bad.empty else None
        message = (
            f"impressions match served ranked items on {len(part) - len(bad)} of {len(part)} days "
            f"within {tolerance:g}"
        )
        if worst is not None:
            message += (
                f"; worst {worst['metric_date']}: {int(worst['n_impressions'])} impressions for "
                f"{int(worst['n_served'])} served items"
            )
        results.append(
            _result(
                worst is None,
                severity,
                "impressions_vs_served_items",
                message,
                model=model,
                metric_date=str(bad["metric_date"].min()) if worst is not None else "",
                value=float(gap.max()),
                bound=f"relative gap <= {tolerance:g}",
                sample_size=int(part["n_served"].sum()),
            )
        )
    if orphans:
        results.append(
            _result(
                False,
                severity,
                "impressions_vs_served_items",
                f"{orphans} impression events name no served ranked list (request_id)",
                model="__product__",
                value=float(orphans),
                bound="every impression names a served list",
            )
        )
    return results


def clicks_have_impressions(ctx: CheckContext, severity: str) -> list[CheckResult]:
    max_share = ctx.settings.consistency.max_clicks_without_impression_share
    rows = ctx.query(
        """
        select
            coalesce(c.model_name, '__product__') as model_name,
            count(*) as clicks,
            sum(case when i.request_id is null then 1 else 0 end) as orphan_clicks,
            min(case when i.request_id is null then c.event_date end) as first_day,
            min(case when i.request_id is null then c.event_id end) as example
        from staging.stg_raw__events as c
        left join (
            select distinct request_id, item_id from staging.stg_raw__events
            where event_type = 'impression' and request_id is not null
        ) as i
            on c.request_id = i.request_id and c.item_id = i.item_id
        where c.event_type = 'click' and (c.request_id is not null or c.model_name is not null)
        group by coalesce(c.model_name, '__product__')
        order by 1
        """
    )
    return _shares(
        rows,
        max_share,
        severity,
        "clicks_without_impression",
        lambda model, bad, total: (
            f"{bad} of {total} clicks have no impression of the same request and item"
        ),
    )


def tickets_attributed_to_served_users(ctx: CheckContext, severity: str) -> list[CheckResult]:
    max_share = ctx.settings.consistency.max_misattributed_ticket_share
    rows = ctx.query(
        """
        select
            t.model_name,
            count(*) as tickets,
            sum(case when served.user_id is null then 1 else 0 end) as misattributed,
            min(case when served.user_id is null then t.event_date end) as first_day,
            min(case when served.user_id is null then t.event_id end) as example
        from staging.stg_raw__events as t
        left join (
            select model_name, user_id, min(predicted_at) as first_served_at
            from staging.stg_raw__predictions
            where user_id is not null
            group by model_name, user_id
        ) as served
            on t.model_name = served.model_name and t.user_id = served.user_id
            and served.first_served_at <= t.occurred_at
        where t.event_type = 'support_ticket' and t.model_name is not null
        group by t.model_name
        order by 1
        """
    )
    return _shares(
        rows,
        max_share,
        severity,
        "tickets_from_unserved_users",
        lambda model, bad, total: (
            f"{bad} of {total} tickets attributed to {model} come from users it had not served"
        ),
    )


def _shares(rows, max_share: float, severity: str, metric: str, describe) -> list[CheckResult]:
    """One result per model from (model, total, bad, first_day, example)
    rows: breached when the bad share exceeds max_share, naming the first
    bad day and an example event."""
    results = []
    for model, total, bad, first_day, example in rows.itertuples(index=False, name=None):
        first_day, bad, total = _day(first_day), int(bad), int(total)
        share = bad / total if total else 0.0
        ok = share <= max_share
        results.append(
            _result(
                ok,
                severity,
                metric,
                describe(model, bad, total)
                + ("" if ok else f" since {first_day} (e.g. event {example})"),
                model=model,
                metric_date="" if ok else first_day,
                value=share,
                bound=f"share <= {max_share:g}",
                sample_size=total,
            )
        )
    return results


def n_predictions_match_staged(ctx: CheckContext, severity: str) -> list[CheckResult]:
    if ctx.metrics.empty:
        return []
    # What staging accepts from the sources as they are now, by its own
    # delivery rule (a re-delivered id counts for the model and day of its
    # earliest valid delivery), independent of the incrementally built
    # staging table.
    staged = ctx.query(
        """
        select model_name, metric_date, count(*) as n_staged
        from staging.stg_raw__prediction_first_deliveries
        group by model_name, metric_date
        """
    )
    published = ctx.metrics[
        (ctx.metrics["metric_name"] == "n_predictions")
        & (ctx.metrics["model_version"] == "__all__")
        & (ctx.metrics["segment"] == "__all__")
        & (ctx.metrics["feature_name"].fillna("") == "")
    ][["model_name", "metric_date", "metric_value"]]
    staged["metric_date"] = pd.to_datetime(staged["metric_date"])
    joined = staged.merge(published, on=["model_name", "metric_date"], how="left")
    results = []
    for model, days in joined.groupby("model_name", sort=True):
        n_published = int(days["metric_value"].notna().sum())
        if n_published == 0:
            results.append(
                CheckResult(
                    check=CHECK,
                    status=Status.NOT_EVALUATED,
                    severity=severity,
                    metric="n_predictions_vs_staged",
                    model=model,
                    message=f"{model}: metrics_daily publishes no n_predictions to compare",
                )
            )
            continue
        differ = days[days["metric_value"].notna() & (days["metric_value"] != days["n_staged"])]
        ok = differ.empty
        first_day = "" if ok else str(differ["metric_date"].min().date())
        results.append(
            _result(
                ok,
                severity,
                "n_predictions_vs_staged",
                f"n_predictions equals the staged rows on {n_published - len(differ)} of "
                f"{n_published} published days ({len(days)} days staged)"
                + ("" if ok else f"; first difference {first_day}"),
                model=model,
                metric_date=first_day,
                value=float(len(differ)),
                bound="n_predictions = staged rows",
            )
        )
    return results
