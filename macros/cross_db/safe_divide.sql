{#- Null, never 0 and never an error, when the denominator is 0: an undefined
    metric is null (contract), and Spark 4 raises on 1/0. Always a double: a
    decimal numerator would make Spark divide in DECIMAL, which rounds the
    quotient to as few as 6 digits. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif({{ denominator }}, 0))
{%- endmacro %}
