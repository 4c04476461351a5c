{#- The UTC calendar day of a timestamp: the `metric_date` of every metric. -#}
{% macro to_date(expr) -%}
    cast({{ expr }} as date)
{%- endmacro %}
