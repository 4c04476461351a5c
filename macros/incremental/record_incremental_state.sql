{#-
    on-run-end hook: store this run's labels high-water mark, but only when
    every incremental model (and stg_mpm__recompute_days) of the project
    built successfully in this invocation. A killed, failed or partial
    (`--select`) run leaves the previous mark, so the next run recomputes
    the same late-labeled days again: re-running is always safe.
-#}
{% macro record_incremental_state(results) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set succeeded = [] -%}
    {%- for result in results -%}
        {%- if result.status == 'success' -%}
            {%- do succeeded.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and (
            node.config.materialized == 'incremental' or node.name == 'stg_mpm__recompute_days'
        ) and node.unique_id not in succeeded -%}
            {{ return('') }}
        {%- endif -%}
    {%- endfor -%}
    {%- set state = incremental_state_relation() -%}
    {#- Not ref(): a hook may not add dependencies; the node is in the graph. -#}
    {%- set node = graph.nodes.values() | selectattr('name', 'equalto', 'stg_mpm__recompute_days') | first -%}
    {%- set days = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- call statement('record_incremental_state') -%}
        create schema if not exists {{ state.schema }}
    {%- endcall -%}
    {%- call statement('record_incremental_state') -%}
        create table if not exists {{ state }} (
            high_water_mark timestamp,
            recorded_at timestamp,
            invocation_id string
        )
    {%- endcall -%}
    {%- call statement('record_incremental_state') -%}
        insert into {{ state }}
        select max(high_water_mark), cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp), '{{ invocation_id }}'
        from {{ days }}
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{%- endmacro %}
