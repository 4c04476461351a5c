-- One row per model and day from the model's first to its last day with an
-- accepted prediction, so a day without any prediction in the middle of the
-- range appears (prediction_day_missing = 1) instead of vanishing. A model
-- that stops logging altogether is the staleness check's job.
--
-- Incremental by metric_date: a run counts the predictions of the days it
-- recomputes, plus every day after the last day stored for a model (a
-- model that resumes after a gap longer than the lookback back-fills the
-- gap). The range of a model reads its stored first and last day instead
-- of every prediction; they are read before the insert, as literals (Spark
-- cannot overwrite a table the same query reads).

{{ config(**incremental_by_day()) }}

{%- set ns = namespace(stored=[]) %}
{%- if execute and is_incremental() %}
    {%- set rows = run_query(
        'select model_name, min(metric_date), max(metric_date) from ' ~ this
        ~ ' group by model_name order by model_name') %}
    {%- for row in rows.rows %}
        {%- do ns.stored.append((row[0], (row[1] | string)[:10], (row[2] | string)[:10])) %}
    {%- endfor %}
{%- endif %}

with

{%- if is_incremental() %}

stored as (

    {%- for name, first_day, last_day in ns.stored %}
    select
        '{{ name | replace("'", "''") }}' as model_name,
        cast('{{ first_day }}' as date) as first_day,
        cast('{{ last_day }}' as date) as last_day
    union all
    {%- endfor %}
    -- typed, empty: a model with no stored day yet
    select
        cast(null as string) as model_name,
        cast(null as date) as first_day,
        cast(null as date) as last_day
    from {{ ref('stg_mpm__recompute_days') }}
    where 1 = 0

),

{%- endif %}

per_day as (

    select
        model_name,
        metric_date,
        count(*) as n_accepted
    from {{ ref('stg_raw__predictions') }}
    where {{ incremental_day_filter('metric_date') }}
    {%- if is_incremental() %}
        or metric_date > (select min(stored.last_day) from stored)
    {%- endif %}
    group by model_name, metric_date

),

ranges as (

    select
        model_name,
        min(first_day) as first_day,
        max(last_day) as last_day
    from (
        select
            model_name,
            min(metric_date) as first_day,
            max(metric_date) as last_day
        from per_day
        group by model_name
        {%- if is_incremental() %}
        union all
        select
            model_name,
            first_day,
            last_day
        from stored
        {%- endif %}
    ) as known
    group by model_name

),

digits as (

    {%- for digit in range(10) %}
    select {{ digit }} as d{{ ' union all' if not loop.last }}
    {%- endfor %}

),

-- 0 .. 9999: ranges of up to 27 years.
offsets as (

    select thousands.d * 1000 + hundreds.d * 100 + tens.d * 10 + units.d as n
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as units

),

spine as (

    select
        ranges.model_name,
        cast({{ dbt.dateadd('day', 'offsets.n', 'ranges.first_day') }} as date) as metric_date
    from ranges
    inner join offsets
        on offsets.n <= {{ dbt.datediff('ranges.first_day', 'ranges.last_day', 'day') }}

)

select
    spine.metric_date,
    spine.model_name,
    '__all__' as model_version,
    '__all__' as segment,
    coalesce(per_day.n_accepted, 0) as n_accepted_predictions,
    case
        when per_day.n_accepted is null then cast(1 as double) else cast(0 as double)
    end as prediction_day_missing
from spine
left join per_day
    on
        spine.model_name = per_day.model_name
        and spine.metric_date = per_day.metric_date
{%- if is_incremental() %}
-- the recomputed days, and the days no run has stored yet (whole days:
-- a day past some model's last stored day is recomputed for every model)
where {{ incremental_day_filter('spine.metric_date') }}
    or spine.metric_date > (select min(stored_days.last_day) from stored as stored_days)
{%- endif %}
