-- Every delivered feature row of a prediction that has a day, placed on its
-- prediction's day (that of its kept delivery, the earliest valid one, as
-- in stg_raw__predictions; else of its earliest delivery with a day) and
-- model (the least among those deliveries: re-deliveries share it), with
-- its quarantine reason and delivery order: the one place feature rows
-- meet predictions.
-- prediction_features has no timestamp, so this table is what lets the
-- feature side of a night follow the recomputed days (drift, the ledger and
-- the data-quality counts read it by metric_date) instead of re-ranking the
-- whole feature history.
--
-- Incremental by metric_date: a night places the feature rows of the
-- predictions whose earliest day it recomputes (one hash probe of the
-- feature table against that night's prediction ids). Rows of predictions
-- that have no day, or of none at all (orphans), are in
-- stg_raw__prediction_features_undated.

{{ config(**incremental_by_day({'writes_days': 'incremental_days'})) }}

{%- set days = incremental_days() %}

with

deliveries as (

    select * from {{ ref('base_raw__predictions') }}
    where prediction_id is not null and metric_date is not null

),

{%- if days is not none %}

-- The ids delivered on the recomputed days; their earliest day may be older.
run_ids as (

    select prediction_id from deliveries
    where {{ day_list_filter(days, 'metric_date', 'predicted_at') }}

),

{%- endif %}

owners as (

    select
        prediction_id,
        coalesce(min(case when quarantine_reason is null then metric_date end), min(metric_date))
            as metric_date,
        coalesce(min(case when quarantine_reason is null then model_name end), min(model_name))
            as model_name
    from deliveries
    {%- if days is not none %}
    where prediction_id in (select run_ids.prediction_id from run_ids)
    {%- endif %}
    group by prediction_id

),

placed as (

    select
        features.prediction_id,
        features.feature_name,
        features.category_value,
        features.numeric_value,
        features.quarantine_reason,
        owners.metric_date,
        owners.model_name
    from {{ ref('base_raw__prediction_features') }} as features
    inner join owners
        on features.prediction_id = owners.prediction_id
    where {{ day_list_filter(days, 'owners.metric_date') }}

)

select
    *,
    {{ feature_delivery_rank() }} as delivery_rank
from placed
