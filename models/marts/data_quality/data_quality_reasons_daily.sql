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
--
-- Incremental by metric_date: a run recomputes the days of
-- incremental_days_with_labels() (the usual days plus the days of label
-- rows whose key was labeled since the last run). Zero rows need every
-- reason ever seen for a source: the stored rows give the reasons seen
-- before, and a run that meets a reason never seen (checked first, on the
-- recomputed days only) rebuilds every day, as a full refresh would, so
-- the old days get its zeros too.

{{ config(**incremental_by_day()) }}

{%- set days = incremental_days_with_labels() %}
{%- set ns = namespace(stored=[]) %}
{%- if days is not none and execute %}
    {#- The reasons stored, read before the insert as literals (Spark cannot
        overwrite a table the same query reads). #}
    {%- set rows = run_query(
        "select distinct source_table, substr(metric_name, " ~ ('quarantined__' | length + 1) ~ ")"
        ~ " from " ~ this ~ " where metric_name <> 'unknown_event_types' order by 1, 2") %}
    {%- for row in rows.rows %}
        {%- do ns.stored.append((row[0], row[1])) %}
    {%- endfor %}
    {%- set check_sql %}
        select count(*) from (
            select distinct
                source_table,
                quarantine_reason
            from ({{ data_quality_placed_rows(days) }}) as placed
            where quarantine_reason is not null
            {%- for source_table, reason in ns.stored %}
                and not (source_table = '{{ source_table }}' and quarantine_reason = '{{ reason }}')
            {%- endfor %}
        ) as new_reasons
    {%- endset %}
    {%- if run_query(check_sql).columns[0].values()[0] > 0 %}
        {%- set days = none %}
    {%- endif %}
{%- endif %}

with

placed as (

    {{ data_quality_placed_rows(days) }}

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

    select distinct
        source_table,
        quarantine_reason
    from placed
    where quarantine_reason is not null
    {%- for source_table, reason in ns.stored %}
    union
    -- a reason seen on the days not recomputed
    select
        '{{ source_table }}' as source_table,
        '{{ reason }}' as quarantine_reason
    {%- endfor %}

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
        delivered.source_table,
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
        'events' as source_table,
        event_date as metric_date,
        coalesce(model_name, '__product__') as model_name,
        'unknown_event_types' as metric_name,
        cast(sum(case when is_known_event_type then 0 else 1 end) as double) as metric_value,
        count(*) as sample_size
    from {{ ref('stg_raw__events') }}
    where {{ incremental_day_filter('event_date', 'occurred_at', days=days) }}
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
    source_table,
    '__all__' as model_version,
    '__all__' as segment,
    'data_quality' as layer,
    metric_name,
    '' as feature_name,
    metric_value,
    cast(sample_size as bigint) as sample_size
from unioned
