{#-
    Every delivered row of the four sources that can be placed on a day and
    a model, with its quarantine reason (null when accepted), restricted to
    `days` (none: every day): predictions on predicted_at, labels on
    labeled_at (at their prediction's model, `__unknown__` when none),
    events on occurred_at (`__product__` when unattributed), features on
    their prediction's earliest delivery day and model. The one definition
    of data_quality_reasons_daily and its check for reasons never seen.
-#}
{% macro data_quality_placed_rows(days) -%}
    select
        'predictions' as source_table,
        metric_date,
        model_name,
        quarantine_reason
    from {{ ref('base_raw__predictions') }}
    where model_name is not null and metric_date is not null
        and {{ incremental_day_filter('metric_date', 'predicted_at', days=days) }}

    union all

    select
        'labels' as source_table,
        metric_date,
        coalesce(model_name, '__unknown__') as model_name,
        quarantine_reason
    from {{ ref('stg_raw__label_deliveries') }}
    where {{ incremental_day_filter('metric_date', days=days) }}

    union all

    select
        'events' as source_table,
        event_date as metric_date,
        coalesce(model_name, '__product__') as model_name,
        quarantine_reason
    from {{ ref('base_raw__events') }}
    where event_date is not null
        and {{ incremental_day_filter('event_date', 'occurred_at', days=days) }}

    union all

    select
        'prediction_features' as source_table,
        metric_date,
        model_name,
        quarantine_reason
    from {{ ref('stg_raw__prediction_feature_deliveries') }}
    where model_name is not null
        and {{ incremental_day_filter('metric_date', days=days) }}
{%- endmacro %}
