{#-
    Several linear-interpolation percentiles of one column (numpy.quantile's
    default), inside a `group by`: one `<alias>` column per (quantile, alias)
    pair. Same values on every engine; the adapters differ in how they hold
    the group's values.
-#}
{% macro percentiles_cont(column, quantiles, aliases) -%}
    {{ return(adapter.dispatch('percentiles_cont', 'ml_product_metrics')(column, quantiles, aliases)) }}
{%- endmacro %}

{#- DuckDB: one quantile_cont over a list of quantiles, so the group's values
    are buffered once, not once per percentile. Nine percentile_cont over
    the 28M values of a 7-day reference at 1M predictions a day ran out of
    a 3 GB memory_limit (a holistic aggregate cannot spill); the list form
    returns the same bits in a fraction of the memory. -#}
{% macro duckdb__percentiles_cont(column, quantiles, aliases) -%}
    {%- for alias in aliases %}
    quantile_cont({{ column }}, [{{ quantiles | join(', ') }}])[{{ loop.index }}] as {{ alias }}
    {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro default__percentiles_cont(column, quantiles, aliases) -%}
    {%- for quantile in quantiles %}
    percentile_cont({{ quantile }}) within group (order by {{ column }}) as {{ aliases[loop.index0] }}
    {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
