{#- The text value of one top-level key of a JSON object held in a string
    column (null when the text is not JSON or has no such key). DuckDB has
    json_extract_string; Spark spells it get_json_object. -#}
{% macro json_extract_string(json_expr, key) -%}
    {{ return(adapter.dispatch('json_extract_string', 'ml_product_metrics')(json_expr, key)) }}
{%- endmacro %}

{% macro default__json_extract_string(json_expr, key) -%}
    case
        when json_valid({{ json_expr }}) then json_extract_string({{ json_expr }}, '$.{{ key }}')
    end
{%- endmacro %}

{% macro spark__json_extract_string(json_expr, key) -%}
    get_json_object({{ json_expr }}, '$.{{ key }}')
{%- endmacro %}
