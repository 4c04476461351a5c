{#- The days of stg_mpm__recompute_days, or none (every day) when the run
    rebuilds everything or the table is missing. -#}
{% macro tested_days() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name == 'stg_mpm__recompute_days' -%}
        {%- set existing = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- if existing is not none -%}
            {{ return(recompute_days_in(existing)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}
