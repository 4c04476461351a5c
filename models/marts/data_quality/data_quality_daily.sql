-- Per day and model, how much of what was delivered could not be used:
-- duplicates removed and rows quarantined. A spike is itself a breach
-- (thresholds on duplicate_rate / quarantine_rate). Rows without a model
-- (null or empty, as the quarantine reads it) or a timestamp cannot be placed
-- on a day; source_reconciliation counts them.
-- Incremental by metric_date (the days this run recomputes).

{{ config(**incremental_by_day()) }}

with

deliveries as (

    select
        metric_date,
        model_name,
        count(*) as n_delivered,
        sum(case when quarantine_reason is null then 1 else 0 end) as n_valid,
        sum(case when quarantine_reason is not null then 1 else 0 end)
            as quarantined_predictions
    from {{ ref('base_raw__predictions') }}
    where model_name is not null and model_name <> '' and metric_date is not null
        and {{ incremental_day_filter('metric_date', 'predicted_at') }}
    group by metric_date, model_name

),

-- Every valid delivery either is the one kept in staging or a duplicate of
-- it, so the duplicates of a day and model are the valid rows minus the kept.
kept as (

    select
        metric_date,
        model_name,
        count(*) as n_kept
    from {{ ref('stg_raw__predictions') }}
    where {{ incremental_day_filter('metric_date') }}
    group by metric_date, model_name

),

daily as (

    select
        deliveries.metric_date,
        deliveries.model_name,
        '__all__' as model_version,
        '__all__' as segment,
        deliveries.n_delivered,
        deliveries.n_valid - coalesce(kept.n_kept, 0) as duplicate_predictions,
        deliveries.quarantined_predictions
    from deliveries
    left join kept
        on
            deliveries.metric_date = kept.metric_date
            and deliveries.model_name = kept.model_name

)

select
    *,
    {{ safe_divide('duplicate_predictions', 'n_delivered') }} as duplicate_rate,
    {{ safe_divide('quarantined_predictions', 'n_delivered') }} as quarantine_rate
from daily
