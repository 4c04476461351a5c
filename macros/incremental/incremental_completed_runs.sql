{#-
    How many runs have completed (rows of the incremental state, written by
    record_incremental_state only after a complete run); 0 when none has,
    on --full-refresh and outside execution.
-#}
{% macro incremental_completed_runs() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set state = incremental_state_relation() -%}
    {%- set existing = adapter.get_relation(state.database, state.schema, state.identifier) -%}
    {%- if existing is none -%}
        {{ return(0) }}
    {%- endif -%}
    {{ return(run_query('select count(*) from ' ~ existing).columns[0].values()[0] | int) }}
{%- endmacro %}
