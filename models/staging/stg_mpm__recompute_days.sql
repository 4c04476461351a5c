-- The days the incremental per-day models recompute in this run (see the
-- macro incremental_days), and the labels high-water mark this run will
-- store if it completes. Rebuilt first on every run; cheap: it reads the
-- latest day, the labels newer than the stored mark and the days of the
-- predictions they label.

{{ config(materialized='table') }}

{%- set lookback_days = var('lookback_days', 7) | int %}
{%- set state = incremental_state_relation() %}
{%- set ns = namespace(high_water_mark=none) %}
{%- if execute and not flags.FULL_REFRESH %}
    {%- set existing = adapter.get_relation(state.database, state.schema, state.identifier) %}
    {%- if existing is not none %}
        {%- set mark = run_query('select max(high_water_mark) from ' ~ existing).columns[0].values()[0] %}
        {%- if mark is not none %}
            {%- set ns.high_water_mark = mark | string %}
        {%- endif %}
    {%- endif %}
{%- endif %}

with

prediction_days as (

    select {{ to_date('predicted_at') }} as metric_date
    from {{ source('raw', 'predictions') }}
    where predicted_at is not null and {{ as_of_filter('predicted_at') }}

),

event_days as (

    select {{ to_date('occurred_at') }} as metric_date
    from {{ source('raw', 'events') }}
    where occurred_at is not null and {{ as_of_filter('occurred_at') }}

),

latest as (

    select max(metric_date) as latest_day
    from (
        select max(metric_date) as metric_date from prediction_days
        union all
        select max(metric_date) as metric_date from event_days
    ) as per_source

),

lookback as (

    {%- for offset in range(lookback_days) %}
    select {{ to_date(dbt.dateadd('day', -offset, 'latest_day')) }} as metric_date from latest
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

{%- if flags.FULL_REFRESH %}

-- --full-refresh rebuilds every model whole; nothing to add.
older as (

    select metric_date
    from lookback
    where 1 = 0

),

{%- elif ns.high_water_mark is none %}

-- No stored mark (the models exist but no run has completed since the
-- state was created): every day with data.
older as (

    select metric_date from prediction_days
    union all
    select metric_date from event_days

),

{%- else %}

changed_labels as (

    select prediction_id, request_id
    from {{ source('raw', 'labels') }}
    where labeled_at > cast('{{ ns.high_water_mark }}' as timestamp)
        and {{ as_of_filter('labeled_at') }}

),

-- Days of predictions whose label arrived or was revised since the mark
-- (by prediction_id; ranking judgments by request_id).
older as (

    select {{ to_date('predictions.predicted_at') }} as metric_date
    from {{ source('raw', 'predictions') }} as predictions
    inner join changed_labels
        on predictions.prediction_id = changed_labels.prediction_id
    where {{ as_of_filter('predictions.predicted_at') }}
    union all
    select {{ to_date('predictions.predicted_at') }} as metric_date
    from {{ source('raw', 'predictions') }} as predictions
    inner join changed_labels
        on predictions.request_id = changed_labels.request_id
    where {{ as_of_filter('predictions.predicted_at') }}

),

{%- endif %}

days as (

    select metric_date from lookback
    union
    select metric_date
    from older
    where metric_date is not null

)

select
    days.metric_date,
    -- A warehouse without labels yet still gets a mark (no label is older).
    (
        select coalesce(max(all_labels.labeled_at), cast('1900-01-01 00:00:00' as timestamp))
        from {{ source('raw', 'labels') }} as all_labels
        where {{ as_of_filter('all_labels.labeled_at') }}
    ) as high_water_mark
from days
where days.metric_date is not null
