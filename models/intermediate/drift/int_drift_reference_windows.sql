-- Which days make up the reference of each model's metric day (var
-- `drift_reference`): one row per (model, metric day, reference day). The
-- reference_id names the definition, so the reference tables keyed by it
-- are rebuilt only when the definition (or, for trailing windows, the day)
-- changes.

{%- set reference = var('drift_reference') %}
{%- set mode = reference.get('mode', 'first_days') %}
{%- set n_days = reference.get('days', 7) | int %}

with

model_days as (

    select distinct
        model_name,
        metric_date
    from {{ ref('stg_raw__predictions') }}

),

{%- if mode == 'first_days' %}

numbered as (

    select
        model_name,
        metric_date,
        row_number() over (partition by model_name order by metric_date) as day_number
    from model_days

),

reference_days as (

    select
        model_name,
        metric_date as reference_date
    from numbered
    where day_number <= {{ n_days }}

),

windows as (

    select
        model_days.model_name,
        model_days.metric_date,
        {{ drift_reference_id('model_days.metric_date') }} as reference_id,
        reference_days.reference_date
    from model_days
    inner join reference_days
        on model_days.model_name = reference_days.model_name

)

{%- elif mode == 'fixed_range' %}

windows as (

    select
        model_days.model_name,
        model_days.metric_date,
        {{ drift_reference_id('model_days.metric_date') }} as reference_id,
        reference_days.metric_date as reference_date
    from model_days
    inner join model_days as reference_days
        on
            model_days.model_name = reference_days.model_name
            and reference_days.metric_date >= cast('{{ reference["start"] }}' as date)
            and reference_days.metric_date <= cast('{{ reference["end"] }}' as date)

)

{%- else %}

windows as (

    select
        model_days.model_name,
        model_days.metric_date,
        {{ drift_reference_id('model_days.metric_date') }} as reference_id,
        reference_days.metric_date as reference_date
    from model_days
    inner join model_days as reference_days
        on
            model_days.model_name = reference_days.model_name
            and {{ dbt.datediff('reference_days.metric_date', 'model_days.metric_date', 'day') }}
            between {{ reference.get('lag_days', 1) | int }}
            and {{ (reference.get('lag_days', 1) | int) + n_days - 1 }}

)

{%- endif %}

select * from windows
