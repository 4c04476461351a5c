{#-
    The two CTEs every drift mart starts from: `day_references`, each
    recomputed metric day (`days`, from drift_recompute_days) with the
    reference it is measured against, and `used_references`, the distinct
    (model, reference) pairs those days need, so a mart reads only those
    references from the drift_reference_* tables (drift_used_reference_rows).
-#}
{% macro drift_day_references(days) -%}
day_references as (

    select distinct
        model_name,
        metric_date,
        reference_id
    from {{ ref('int_drift_reference_windows') }}
    where {{ day_list_filter(days, 'metric_date') }}

),

used_references as (

    select distinct
        model_name,
        reference_id
    from day_references

)
{%- endmacro %}
