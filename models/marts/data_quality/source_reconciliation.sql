-- Rows in = rows accepted + rows quarantined + duplicates removed, per
-- source table over all history: the ledger that proves nothing was lost.
-- A view, read on demand (nothing is rebuilt nightly): the dated rows are
-- the sums of the per-day ledger source_reconciliation_daily (incremental);
-- the rows that cannot be placed on a day (no or an out-of-range
-- timestamp, or features of such a prediction) are counted here, as is
-- `payload_conflicts`: keys re-delivered with a different payload (the
-- earliest wins; for features, the lowest value), a property of a key
-- over all its deliveries, so counted when the view is read.

{{ config(materialized='view') }}

{%- set ledgers = [
    ('predictions', 'base_raw__predictions', ['prediction_id'],
        ['model_version', 'score', 'predicted_value', 'item_id', 'rank', 'latency_ms']),
    ('events', 'base_raw__events', ['event_id'],
        ['event_type', 'user_id', 'value', 'properties']),
    ('labels', 'stg_raw__label_deliveries',
        ['label_kind', 'prediction_id', 'request_id', 'item_id'], []),
    ('prediction_features',
        ['stg_raw__prediction_feature_deliveries', 'stg_raw__prediction_features_undated'],
        ['prediction_id', 'feature_name'], ['numeric_value', 'category_value']),
] %}

with

daily as (

    select
        source_table,
        sum(rows_in) as rows_in,
        sum(rows_accepted) as rows_accepted,
        sum(rows_quarantined) as rows_quarantined,
        sum(rows_superseded) as rows_superseded
    from {{ ref('source_reconciliation_daily') }}
    group by source_table

),

-- Rows without a day: all quarantined, but for features of a prediction
-- delivered only without a valid timestamp (kept or superseded like any).
undated as (

    select
        'predictions' as source_table,
        count(*) as rows_in,
        0 as rows_accepted,
        count(*) as rows_quarantined,
        0 as rows_superseded
    from {{ ref('base_raw__predictions') }}
    where metric_date is null

    union all

    select
        'events' as source_table,
        count(*) as rows_in,
        0 as rows_accepted,
        count(*) as rows_quarantined,
        0 as rows_superseded
    from {{ ref('base_raw__events') }}
    where event_date is null

    union all

    select
        'labels' as source_table,
        count(*) as rows_in,
        0 as rows_accepted,
        count(*) as rows_quarantined,
        0 as rows_superseded
    from {{ ref('base_raw__labels') }}
    where label_date is null

    union all

    select
        'prediction_features' as source_table,
        count(*) as rows_in,
        sum(case when quarantine_reason is null and delivery_rank = 1 then 1 else 0 end)
            as rows_accepted,
        sum(case when quarantine_reason is not null then 1 else 0 end) as rows_quarantined,
        sum(case when quarantine_reason is null and delivery_rank > 1 then 1 else 0 end)
            as rows_superseded
    from {{ ref('stg_raw__prediction_features_undated') }}

),

conflicts as (

    {%- for table, base, key, payload in ledgers %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        '{{ table }}' as source_table,
        sum(case when n_deliveries > 1 and has_conflict = 1 then 1 else 0 end) as payload_conflicts
    from (
        select
            count(*) as n_deliveries,
            {%- if payload %}
            case when
                {%- for column in payload %}
                count(distinct {{ column }}) > 1{{ ' or' if not loop.last }}
                {%- endfor %}
                then 1 else 0
            end as has_conflict
            {%- else %}
            0 as has_conflict
            {%- endif %}
        from (
            {%- for relation in ([base] if base is string else base) %}
            {%- if not loop.first %}
            union all
            {%- endif %}
            select {{ (key + payload) | join(', ') }}
            from {{ ref(relation) }}
            where quarantine_reason is null
            {%- endfor %}
        ) as valid_rows
        group by {{ key | join(', ') }}
    ) as per_key
    {%- endfor %}

)

select
    conflicts.source_table,
    cast(coalesce(daily.rows_in, 0) + coalesce(undated.rows_in, 0) as bigint) as rows_in,
    cast(coalesce(daily.rows_accepted, 0) + coalesce(undated.rows_accepted, 0) as bigint)
        as rows_accepted,
    cast(coalesce(daily.rows_quarantined, 0) + coalesce(undated.rows_quarantined, 0) as bigint)
        as rows_quarantined,
    cast(coalesce(daily.rows_superseded, 0) + coalesce(undated.rows_superseded, 0) as bigint)
        as rows_superseded,
    cast(coalesce(conflicts.payload_conflicts, 0) as bigint) as payload_conflicts
from conflicts
left join daily
    on conflicts.source_table = daily.source_table
left join undated
    on conflicts.source_table = undated.source_table
