-- One row per prediction_id: the earliest valid delivery (contract:
-- re-delivered duplicates are counted, never double-counted).
--
-- Incremental by metric_date: a run de-duplicates only the deliveries of
-- the days it recomputes (a pruned scan), plus the earlier deliveries of
-- the same prediction_ids on other days, so a re-delivery that lands on a
-- later day still loses to the original exactly as in a full rebuild.

{{ config(**incremental_by_day()) }}

{%- set columns = [
    'prediction_id', 'model_name', 'model_version', 'task_type', 'user_id',
    'request_id', 'item_id', 'segment', 'generated_text', 'score', 'threshold',
    'rank', 'predicted_value', 'latency_ms', 'predicted_label', 'is_exploration',
    'predicted_at', 'metric_date',
] %}

with

in_days as (

    select * from {{ ref('base_raw__predictions') }}
    where quarantine_reason is null
        and {{ incremental_day_filter('metric_date', 'predicted_at') }}

),

{%- if is_incremental() %}

-- Deliveries of the same prediction_ids on days not recomputed: only an
-- earlier one can win, and then the recomputed day must not count it.
other_days as (

    select * from {{ ref('base_raw__predictions') }}
    where quarantine_reason is null
        and not {{ incremental_day_filter('metric_date', 'predicted_at') }}
        and prediction_id in (select in_days.prediction_id from in_days)

),

deliveries as (

    select * from in_days
    union all
    select * from other_days

),

{%- else %}

deliveries as (

    select * from in_days

),

{%- endif %}

ranked as (

    select
        *,
        {{ prediction_delivery_rank() }} as delivery_rank
    from deliveries

)

select
    {{ columns | join(',\n    ') }}
from ranked
where delivery_rank = 1
    and {{ incremental_day_filter('metric_date', 'predicted_at') }}
