{#- The @K metric columns a mart builds from var('ranking_k') are published
    only if its YAML declares them (their layer and sample size live there):
    fail the build, naming the missing columns, rather than drop a K quietly. -#}
{% macro require_metric_columns(model_name, metrics, ks) -%}
    {#- unit tests compile without the graph: nothing to check there -#}
    {%- if execute and graph.get('nodes') -%}
        {%- set node = graph.nodes.values() | selectattr('name', 'equalto', model_name) | list | first -%}
        {%- set missing = [] -%}
        {%- for k in ks -%}
            {%- for metric in metrics -%}
                {%- set column = metric ~ '_at_' ~ k -%}
                {%- set declared = node.columns.get(column) -%}
                {%- set meta = (declared.meta or declared.config.get('meta', {})) if declared else {} -%}
                {%- if not meta.get('metric_layer') -%}
                    {%- do missing.append(column) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(model_name ~ ": var ranking_k builds " ~ missing | join(', ') ~ " but the YAML declares no metric meta for them") }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
