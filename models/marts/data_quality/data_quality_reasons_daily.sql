-- Long data-quality metrics, one row per day × model × reason, published in
-- metrics_daily as `quarantined__<reason>` (rows quarantined for that reason;
-- sample_size = rows of that source delivered for the model and day) and
-- `unknown_event_types` (events kept with a type the contract does not know).
-- Every reason ever seen for a source gets a row (0 included) on every day
-- that source delivered rows for the model, so a spike stands out against
-- its zeros. Rows are placed on the day of their own timestamp (labels on
-- labeled_at, at their prediction's model, `__unknown__` when there is none;
-- events at `__product__` when unattributed); rows without a model or a
-- valid timestamp cannot be placed, and source_reconciliation counts them.

with

deliveries as (

    select
        prediction_id,
        model_name,
        metric_date
    from {{ ref('base_raw__predictions') }}
    where
        model_name is not null
        and metric_date is not null

),

feature_owner as (

    select
        prediction_id,
        min(model_name) as model_name,
        min(metric_date) as metric_date
    from deliveries
    group by prediction_id

),

placed as (

    select
        'predictions' as source_table,
        metric_date,
        model_name,
        quarantine_reason
    from {{ ref('base_raw__predictions') }}
    where model_name is not null and metric_date is not null

    union all

    select
        'labels' as source_table,
        label_date as metric_date,
        coalesce(model_name, '__unknown__') as model_name,
        quarantine_reason
    from {{ ref('base_raw__labels') }}
    where label_date is not null

    union all

    select
        'events' as source_table,
        event_date as metric_date,
        coalesce(model_name, '__product__') as model_name,
        quarantine_reason
    from {{ ref('base_raw__events') }}
    where event_date is not null

    union all

    select
        'prediction_features' as source_table,
        feature_owner.metric_date,
        feature_owner.model_name,
        features.quarantine_reason
    from {{ ref('base_raw__prediction_features') }} as features
    inner join feature_owner
        on features.prediction_id = feature_owner.prediction_id

),

delivered as (

    select
        source_table,
        metric_date,
        model_name,
        count(*) as n_delivered
    from placed
    group by source_table, metric_date, model_name

),

reasons as (

    select
        source_table,
        quarantine_reason
    from placed
    where quarantine_reason is not null
    group by source_table, quarantine_reason

),

quarantined as (

    select
        source_table,
        metric_date,
        model_name,
        quarantine_reason,
        count(*) as n_quarantined
    from placed
    where quarantine_reason is not null
    group by source_table, metric_date, model_name, quarantine_reason

),

per_reason as (

    select
        delivered.metric_date,
        delivered.model_name,
        {{ dbt.concat(["'quarantined__'", 'reasons.quarantine_reason']) }} as metric_name,
        cast(coalesce(quarantined.n_quarantined, 0) as double) as metric_value,
        delivered.n_delivered as sample_size
    from delivered
    inner join reasons
        on delivered.source_table = reasons.source_table
    left join quarantined
        on
            delivered.source_table = quarantined.source_table
            and delivered.metric_date = quarantined.metric_date
            and delivered.model_name = quarantined.model_name
            and reasons.quarantine_reason = quarantined.quarantine_reason

),

unknown_event_types as (

    select
        event_date as metric_date,
        coalesce(model_name, '__product__') as model_name,
        'unknown_event_types' as metric_name,
        cast(sum(case when is_known_event_type then 0 else 1 end) as double) as metric_value,
        count(*) as sample_size
    from {{ ref('stg_raw__events') }}
    group by event_date, coalesce(model_name, '__product__')

),

unioned as (

    select * from per_reason
    union all
    select * from unknown_event_types

)

select
    metric_date,
    model_name,
    '__all__' as model_version,
    '__all__' as segment,
    'data_quality' as layer,
    metric_name,
    '' as feature_name,
    metric_value,
    cast(sample_size as bigint) as sample_size
from unioned
