{#-
    A string column read from a seed, with an empty cell as null on every
    engine. dbt-spark's session seed loader formats an empty cell of a
    string column into its INSERT as the text 'None' (the Python None
    through `%s`); DuckDB's loader gives null. The compiled declarations
    (rules_seed.py) never write the text 'None' themselves.
-#}
{% macro seed_string(column) -%}
    {{ return(adapter.dispatch('seed_string', 'ml_product_metrics')(column)) }}
{%- endmacro %}

{% macro default__seed_string(column) -%}
    cast({{ column }} as string)
{%- endmacro %}

{% macro spark__seed_string(column) -%}
    nullif(cast({{ column }} as string), 'None')
{%- endmacro %}
