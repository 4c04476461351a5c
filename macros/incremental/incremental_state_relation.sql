{#-
    Where the incremental runs keep their state: one row per complete run
    with the labels high-water mark (max labeled_at seen when the run
    started). Outside the dbt graph on purpose: it must survive
    `--full-refresh` of every model and is written only by
    record_incremental_state.
-#}
{% macro incremental_state_relation() -%}
    {#- Spark has no database level (target.database is undefined there). -#}
    {%- set database = target.database if target.type != 'spark' else none -%}
    {{ return(api.Relation.create(database=database, schema='mpm_state', identifier='incremental_state')) }}
{%- endmacro %}
