-- Rows in = rows accepted + rows quarantined + duplicates removed, per
-- source table: the ledger that proves nothing was lost. Accepted rows are
-- counted where the metrics read them (staging, built incrementally for
-- predictions) and superseded rows independently, from the distinct keys
-- of every valid row, so the ledger also proves that the incremental
-- staging lost or doubled nothing. `payload_conflicts` counts keys
-- re-delivered with a different payload (the earliest wins; for
-- features, the lowest value).

{%- set ledgers = [
    ('predictions', 'base_raw__predictions', 'stg_raw__predictions', ['prediction_id'],
        ['model_version', 'score', 'predicted_value', 'item_id', 'rank', 'latency_ms']),
    ('events', 'base_raw__events', 'stg_raw__events', ['event_id'],
        ['event_type', 'user_id', 'value', 'properties']),
    ('labels', 'base_raw__labels', 'stg_raw__labels',
        ['label_kind', 'prediction_id', 'request_id', 'item_id'], []),
    ('prediction_features', 'base_raw__prediction_features', 'stg_raw__prediction_features',
        ['prediction_id', 'feature_name'], ['numeric_value', 'category_value']),
] %}

{%- for table, base, staged, key, payload in ledgers %}
{%- if not loop.first %}

union all
{% endif %}

select
    '{{ table }}' as source_table,
    totals.rows_in,
    (select count(*) from {{ ref(staged) }}) as rows_accepted,
    totals.rows_quarantined,
    totals.rows_valid - key_counts.n_keys as rows_superseded,
    key_counts.payload_conflicts
from (
    select
        count(*) as rows_in,
        cast(coalesce(sum(
            case when quarantine_reason is not null then 1 else 0 end
        ), 0) as bigint) as rows_quarantined,
        cast(coalesce(sum(
            case when quarantine_reason is null then 1 else 0 end
        ), 0) as bigint) as rows_valid
    from {{ ref(base) }}
) as totals
cross join (
    select
        count(*) as n_keys,
        cast(coalesce(sum(case when n_deliveries > 1 and has_conflict = 1 then 1 else 0 end), 0) as bigint)
            as payload_conflicts
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
        from {{ ref(base) }}
        where quarantine_reason is null
        group by {{ key | join(', ') }}
    ) as per_key
) as key_counts
{%- endfor %}
