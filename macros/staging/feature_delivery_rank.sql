{#-
    A feature row's delivery order among the rows sharing its
    (prediction_id, feature_name) and validity (1 = the value drift reads):
    a re-delivered value is superseded, the lowest value is kept, so the
    choice never depends on scan order. One definition for the rows placed
    on a day and the rows without one.
-#}
{% macro feature_delivery_rank() -%}
    row_number() over (
        partition by
            case when quarantine_reason is null then 0 else 1 end,
            prediction_id, feature_name
        order by
            numeric_value asc nulls last,
            category_value asc nulls last
    )
{%- endmacro %}
