{#-
    A prediction row's delivery order among the rows sharing its
    prediction_id and validity (1 = the delivery every metric uses): the
    earliest predicted_at wins, the payload columns break exact-time ties so
    the choice never depends on scan order. One definition for the
    staging de-duplication, the per-day data-quality counts and the ledger.
-#}
{% macro prediction_delivery_rank() -%}
    row_number() over (
        partition by prediction_id, case when quarantine_reason is null then 0 else 1 end
        order by
            {%- for column in ['predicted_at', 'model_version', 'score', 'predicted_value',
                'latency_ms', 'item_id', 'rank', 'threshold'] %}
            {{ column }} asc nulls last{{ ',' if not loop.last }}
            {%- endfor %}
    )
{%- endmacro %}
