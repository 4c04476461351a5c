{#-
    A label's recency among the labels for the same key and validity (1 =
    the current label): the latest labeled_at wins; the value breaks exact
    ties so the choice never depends on scan order.
-#}
{% macro label_recency_rank() -%}
    row_number() over (
        partition by
            case when quarantine_reason is null then 0 else 1 end,
            label_kind, prediction_id, request_id, item_id
        order by
            labeled_at desc,
            actual_value desc nulls last,
            reference_text desc nulls last
    )
{%- endmacro %}
