-- Per day and model, how much of what was delivered could not be used:
-- duplicates removed and rows quarantined. A spike is itself a breach
-- (thresholds on duplicate_rate / quarantine_rate). Rows without a model
-- (null or empty, as the quarantine reads it) or a timestamp cannot be placed
-- on a day; source_reconciliation counts them.

with

deliveries as (

    select * from {{ ref('base_raw__predictions') }}
    where model_name is not null and model_name <> '' and metric_date is not null

),

daily as (

    select
        metric_date,
        model_name,
        '__all__' as model_version,
        '__all__' as segment,
        count(*) as n_delivered,
        sum(case when quarantine_reason is null and delivery_rank > 1 then 1 else 0 end)
            as duplicate_predictions,
        sum(case when quarantine_reason is not null then 1 else 0 end)
            as quarantined_predictions
    from deliveries
    group by metric_date, model_name

)

select
    *,
    {{ safe_divide('duplicate_predictions', 'n_delivered') }} as duplicate_rate,
    {{ safe_divide('quarantined_predictions', 'n_delivered') }} as quarantine_rate
from daily
