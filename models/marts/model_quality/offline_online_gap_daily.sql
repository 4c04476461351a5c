-- Offline vs online, and staleness (../shared/CONTRACT.md, section 3,
-- "Offline vs online"): per day, model and version (segment __all__),
--   offline_online_gap_<metric> = the day's online <metric> − the version's
--       test-set value, for every metric offline_metrics names that the
--       online model-quality marts publish for the model;
--   days_since_training      = metric_date − date(trained_at);
--   days_since_training_data = metric_date − date(training_data_end).
-- A model takes part when it has rows in the optional table; then every
-- version it served gets a row, null where that version has no row of its
-- own (a version missing from the registry is not evaluated, never dropped).
-- The version rollup __all__ takes the rows of the version serving most
-- predictions that day (ties: the first version name). Long format, read by
-- metrics_daily as it is. A table rebuilt whole: the registry can change any
-- day's values, and the inputs are the wide marts' __all__-segment rows.

{%- set online_marts = ['classification_metrics_daily', 'ranking_metrics_daily', 'regression_metrics_daily'] %}
{%- if target.type != 'spark' %}
    {%- do online_marts.append('generation_metrics_daily') %}
{%- endif %}

with

online as (

    {%- for mart in online_marts %}
    {{ unpivot_metrics(mart, "mart.segment = '__all__' and mart.model_version <> '__all__' and metrics.layer = 'model_quality'") }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

served_versions as (

    select
        metric_date,
        model_name,
        model_version,
        sample_size as n_predictions,
        row_number() over (
            partition by metric_date, model_name
            order by sample_size desc, model_version asc
        ) as serving_rank
    from online
    where metric_name = 'n_predictions'

),

offline as (

    select * from {{ ref('stg_raw__offline_metrics') }}

),

registry as (

    select * from {{ ref('stg_raw__model_versions') }}

),

gap_metrics as (

    -- per model: the metrics both sides have
    select distinct
        offline.model_name,
        offline.metric_name
    from offline
    inner join (
        select distinct
            model_name,
            metric_name
        from online
    ) as online_names
        on
            offline.model_name = online_names.model_name
            and offline.metric_name = online_names.metric_name

),

gaps as (

    select
        served_versions.metric_date,
        served_versions.model_name,
        served_versions.model_version,
        served_versions.serving_rank,
        concat('offline_online_gap_', gap_metrics.metric_name) as metric_name,
        online.metric_value - offline.metric_value as metric_value,
        coalesce(online.sample_size, 0) as sample_size
    from served_versions
    inner join gap_metrics
        on served_versions.model_name = gap_metrics.model_name
    left join online
        on
            served_versions.metric_date = online.metric_date
            and served_versions.model_name = online.model_name
            and served_versions.model_version = online.model_version
            and gap_metrics.metric_name = online.metric_name
    left join offline
        on
            served_versions.model_name = offline.model_name
            and served_versions.model_version = offline.model_version
            and gap_metrics.metric_name = offline.metric_name

),

registered_models as (

    select distinct model_name from registry

),

staleness as (

    select
        served_versions.metric_date,
        served_versions.model_name,
        served_versions.model_version,
        served_versions.serving_rank,
        served_versions.n_predictions,
        cast(
            {{ dbt.datediff(to_date('registry.trained_at'), 'served_versions.metric_date', 'day') }}
            as double
        ) as days_since_training,
        cast(
            {{ dbt.datediff(to_date('registry.training_data_end'), 'served_versions.metric_date', 'day') }}
            as double
        ) as days_since_training_data
    from served_versions
    inner join registered_models
        on served_versions.model_name = registered_models.model_name
    left join registry
        on
            served_versions.model_name = registry.model_name
            and served_versions.model_version = registry.model_version

),

per_version as (

    select
        metric_date,
        model_name,
        model_version,
        serving_rank,
        metric_name,
        metric_value,
        sample_size
    from gaps
    union all
    select
        metric_date,
        model_name,
        model_version,
        serving_rank,
        'days_since_training' as metric_name,
        days_since_training as metric_value,
        n_predictions as sample_size
    from staleness
    union all
    select
        metric_date,
        model_name,
        model_version,
        serving_rank,
        'days_since_training_data' as metric_name,
        days_since_training_data as metric_value,
        n_predictions as sample_size
    from staleness

),

with_rollup as (

    select
        metric_date,
        model_name,
        model_version,
        metric_name,
        metric_value,
        sample_size
    from per_version
    union all
    select
        metric_date,
        model_name,
        '__all__' as model_version,
        metric_name,
        metric_value,
        sample_size
    from per_version
    where serving_rank = 1

)

select
    cast(metric_date as date) as metric_date,
    model_name,
    model_version,
    '__all__' as segment,
    'model_quality' as layer,
    metric_name,
    '' as feature_name,
    cast(metric_value as double) as metric_value,
    cast(sample_size as bigint) as sample_size
from with_rollup
