{#-
    The days stored in a stg_mpm__recompute_days relation, as sorted
    'YYYY-MM-DD' strings: the one reader of that table, for the models
    (incremental_days) and for the night's data tests (tested_days).
-#}
{% macro recompute_days_in(relation) -%}
    {%- set days = [] -%}
    {%- for value in run_query('select distinct metric_date from ' ~ relation ~ ' order by 1').columns[0].values() -%}
        {%- do days.append((value | string)[:10]) -%}
    {%- endfor -%}
    {{ return(days) }}
{%- endmacro %}
