{#-
    dbt's `where` test config, plus one placeholder: `__recomputed_days__`
    becomes a filter on metric_date to the days this run recomputed (the
    stg_mpm__recompute_days table), so a night's tests on a per-prediction
    incremental table cost its days, not the history; the stored days were
    tested when they were built. On --full-refresh the whole table is
    tested (the placeholder becomes `(1 = 1)`).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where and '__recomputed_days__' in where -%}
        {%- set where = where | replace('__recomputed_days__', day_list_filter(tested_days(), 'metric_date')) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
