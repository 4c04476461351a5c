{#-
    A set-returning expression: one row per integer 0, 1, ..., `count` - 1
    (`count` >= 1, an expression of the row it is selected from). Used for
    calendar spines, e.g. every day of an evaluation window whether or not
    a table has a row for it. The engines name the generator differently.
-#}
{% macro integer_offsets(count) -%}
    {{ return(adapter.dispatch('integer_offsets', 'ml_product_metrics')(count)) }}
{%- endmacro %}

{% macro duckdb__integer_offsets(count) -%}
    unnest(range(0, cast({{ count }} as bigint)))
{%- endmacro %}

{% macro default__integer_offsets(count) -%}
    explode(sequence(0, cast({{ count }} as bigint) - 1))
{%- endmacro %}
