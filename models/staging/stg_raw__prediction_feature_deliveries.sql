-- Every delivered feature row of a prediction that has a day, placed on its
-- prediction's day (that of its kept delivery, the earliest valid one, as
-- in stg_raw__predictions; else of its earliest delivery with a day) and
-- model (the least among those deliveries: re-deliveries share it), with
-- its quarantine reason and delivery order, and the model of the
-- prediction's kept delivery (the row of stg_raw__predictions) when it has
-- one: the one place feature rows meet predictions, so drift reads its
-- observations here without joining the predictions again
-- (int_drift_observations is a view).
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

{#- The deliveries with a day and the feature rows, each read three times
    below. Built whole, inlined where read: DuckDB materializes a CTE read
    more than once, which wrote every row once more. On a night, one CTE
    each, so the history is scanned once for that night's ids. -#}
{%- if days is none %}
    {%- set deliveries %}
    select * from {{ ref('base_raw__predictions') }}
    where prediction_id is not null and metric_date is not null
    {%- endset %}
    {%- set features %}
    select * from {{ ref('base_raw__prediction_features') }}
    {%- endset %}
{%- else %}
    {%- set deliveries = 'select * from night_deliveries' %}
    {%- set features = 'select * from night_features' %}
{%- endif %}

with

{%- if days is not none %}

-- The ids delivered on the recomputed days (their earliest day may be
-- older), their deliveries and their feature rows.
night_deliveries as (

    select * from {{ ref('base_raw__predictions') }}
    where prediction_id is not null and metric_date is not null
        and prediction_id in (
            select run_ids.prediction_id from {{ ref('base_raw__predictions') }} as run_ids
            where run_ids.prediction_id is not null and run_ids.metric_date is not null
                and {{ day_list_filter(days, 'run_ids.metric_date', 'run_ids.predicted_at') }}
        )

),

night_features as (

    select * from {{ ref('base_raw__prediction_features') }}
    where prediction_id in (select night_deliveries.prediction_id from night_deliveries)

),

{%- endif %}

-- Ids delivered more than once, and predictions whose feature rows may
-- repeat a feature name: rare, and the only ones that need a group or an
-- order. Every other prediction owns its features through its one
-- delivery, and every other feature row is its key's first. Ids are found
-- by their hash (one integer to group; a collision only groups a few more
-- ids). A prediction's feature names are distinct when its rows are as
-- many as the distinct buckets of their names (hash mod 63, one bit each
-- of a bigint): a group per prediction, not per (prediction, feature); a
-- shared bucket only sends that prediction's rows through the window,
-- which ranks them by their real keys. 9M predictions, 27M feature rows:
-- the window over every feature row was 23 s of 46 s CPU, the group-by
-- over every id 5 s.
repeated_ids as (

    select hash(deliveries.prediction_id) as id_hash
    from ({{ deliveries }}) as deliveries
    group by hash(deliveries.prediction_id)
    having count(*) > 1

),

repeated_feature_ids as (

    select features.prediction_id
    from ({{ features }}) as features
    where features.prediction_id is not null
    group by features.prediction_id
    having count(*) > bit_count(bit_or(cast(pow(2, abs(hash(features.feature_name)) % 63) as bigint)))

),

-- accepted_model_name: the model of the kept delivery (the earliest valid
-- one, ranked as stg_raw__predictions ranks it), null when no delivery is
-- valid. A delivery of its own (nearly every id) is kept when valid.
owners as (

    select
        deliveries.prediction_id,
        deliveries.metric_date,
        deliveries.model_name,
        case when deliveries.quarantine_reason is null then deliveries.model_name end as accepted_model_name
    from ({{ deliveries }}) as deliveries
    where hash(deliveries.prediction_id) not in (select repeated_ids.id_hash from repeated_ids)
    union all
    select
        repeated.prediction_id,
        coalesce(
            min(case when repeated.quarantine_reason is null then repeated.metric_date end),
            min(repeated.metric_date)
        ) as metric_date,
        coalesce(
            min(case when repeated.quarantine_reason is null then repeated.model_name end),
            min(repeated.model_name)
        ) as model_name,
        min(
            case when repeated.quarantine_reason is null and repeated.delivery_rank = 1 then repeated.model_name end
        ) as accepted_model_name
    from (
        select
            *,
            {{ prediction_delivery_rank() }} as delivery_rank
        from ({{ deliveries }}) as deliveries
        where hash(prediction_id) in (select repeated_ids.id_hash from repeated_ids)
    ) as repeated
    group by repeated.prediction_id

),

ranked as (

    select
        *,
        1 as delivery_rank
    from ({{ features }}) as features
    where prediction_id not in (select repeated_feature_ids.prediction_id from repeated_feature_ids)
    union all
    select
        *,
        {{ feature_delivery_rank() }} as delivery_rank
    from ({{ features }}) as features
    where prediction_id in (select repeated_feature_ids.prediction_id from repeated_feature_ids)

)

select
    ranked.prediction_id,
    ranked.feature_name,
    ranked.category_value,
    ranked.numeric_value,
    ranked.quarantine_reason,
    owners.metric_date,
    owners.model_name,
    ranked.delivery_rank,
    owners.accepted_model_name
from ranked
inner join owners
    on ranked.prediction_id = owners.prediction_id
where {{ day_list_filter(days, 'owners.metric_date') }}
