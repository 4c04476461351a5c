-- Which model and day every valid prediction id counts for, as a full
-- rebuild of stg_raw__predictions would keep it (its earliest valid
-- delivery, prediction_delivery_rank), computed from the sources as they
-- are now: the consistency check compares n_predictions in metrics_daily
-- with it, independently of the incrementally built staging table. Only the
-- ids delivered more than once need ordering (re-deliveries are rare).
-- A view: nothing is stored, it costs only when the check reads it.

with

valid as (

    select * from {{ ref('base_raw__predictions') }}
    where quarantine_reason is null and metric_date is not null

),

repeated as (

    select prediction_id
    from valid
    group by prediction_id
    having count(*) > 1

),

ranked as (

    select
        prediction_id,
        model_name,
        metric_date,
        {{ prediction_delivery_rank() }} as delivery_rank
    from valid
    where prediction_id in (select repeated.prediction_id from repeated)

)

select
    prediction_id,
    model_name,
    metric_date
from valid
where prediction_id not in (select repeated.prediction_id from repeated)
union all
select
    prediction_id,
    model_name,
    metric_date
from ranked
where delivery_rank = 1
