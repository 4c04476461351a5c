{#- Null, never 0 and never an error, when the denominator is 0: an undefined
    metric is null (contract), and Spark 4 raises on 1/0. -#}
{% macro safe_divide(numerator, denominator) -%}
    (({{ numerator }}) / nullif({{ denominator }}, 0))
{%- endmacro %}
