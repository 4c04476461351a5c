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
            {%- set days = [] -%}
            {%- set rows = run_query('select distinct metric_date from ' ~ existing ~ ' order by 1') -%}
            {%- for value in rows.columns[0].values() -%}
                {%- do days.append((value | string)[:10]) -%}
            {%- endfor -%}
            {{ return(days) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}
