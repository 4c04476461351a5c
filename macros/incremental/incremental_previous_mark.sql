{#-
    The labels high-water mark of the last complete run ('YYYY-MM-DD
    HH:MM:SS' text), or none when no run has completed since the state was
    created (or outside execution). record_incremental_state writes the new
    mark only after the run, so during a run this is the previous one.
-#}
{% macro incremental_previous_mark() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set state = incremental_state_relation() -%}
    {%- set existing = adapter.get_relation(state.database, state.schema, state.identifier) -%}
    {%- if existing is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set mark = run_query('select max(high_water_mark) from ' ~ existing).columns[0].values()[0] -%}
    {{ return(none if mark is none else (mark | string)) }}
{%- endmacro %}
