-- Rows in = rows accepted + rows quarantined + duplicates removed, per
-- source table: the ledger that proves nothing was lost. `payload_conflicts`
-- counts keys re-delivered with a different payload (the earliest wins; for
-- features, the lowest value).

{%- set ledgers = [
    ('predictions', 'base_raw__predictions', 'delivery_rank', 'prediction_id',
        ['model_version', 'score', 'predicted_value', 'item_id', 'rank', 'latency_ms']),
    ('events', 'base_raw__events', 'delivery_rank', 'event_id',
        ['event_type', 'user_id', 'value', 'properties']),
    ('labels', 'base_raw__labels', 'recency_rank', none, []),
    ('prediction_features', 'base_raw__prediction_features', 'delivery_rank',
        'prediction_id, feature_name', ['numeric_value', 'category_value']),
] %}

{%- for table, base, order_column, key, payload in ledgers %}
{%- if not loop.first %}

union all
{% endif %}

select
    '{{ table }}' as source_table,
    count(*) as rows_in,
    cast(coalesce(sum(
        case when quarantine_reason is null and {{ order_column }} = 1 then 1 else 0 end
    ), 0) as bigint) as rows_accepted,
    cast(coalesce(sum(
        case when quarantine_reason is not null then 1 else 0 end
    ), 0) as bigint) as rows_quarantined,
    cast(coalesce(sum(
        case when quarantine_reason is null and {{ order_column }} > 1 then 1 else 0 end
    ), 0) as bigint) as rows_superseded,
    {%- if key is none %}
    cast(0 as bigint) as payload_conflicts
    {%- else %}
    (
        select count(*) from (
            select {{ key }}
            from {{ ref(base) }}
            where quarantine_reason is null
            group by {{ key }}
            having count(*) > 1 and (
                {%- for column in payload %}
                count(distinct {{ column }}) > 1{{ ' or' if not loop.last }}
                {%- endfor %}
            )
        ) as conflicting
    ) as payload_conflicts
    {%- endif %}
from {{ ref(base) }}
{%- endfor %}
