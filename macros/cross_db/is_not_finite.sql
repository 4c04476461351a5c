{#- True when a double is NaN or ±infinity (false for null): such values are
    quarantined, never averaged. DuckDB has isfinite; Spark has only isnan. -#}
{% macro is_not_finite(expr) -%}
    {{ return(adapter.dispatch('is_not_finite', 'ml_product_metrics')(expr)) }}
{%- endmacro %}

{% macro default__is_not_finite(expr) -%}
    (not isfinite({{ expr }}))
{%- endmacro %}

{% macro spark__is_not_finite(expr) -%}
    (isnan({{ expr }}) or abs({{ expr }}) = double('infinity'))
{%- endmacro %}
