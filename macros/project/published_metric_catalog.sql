{#-
    The metric catalog as rows (metric_name, is_prefix, needs_labels): every
    metric a mart publishes, read from the same column meta
    (`metric_layer`, `needs_labels`) and model meta (`published_metrics`:
    names and prefixes of long marts, and which prefixes need labels) that
    unpivot_metrics and the Python side (python_checks/declare/catalog.py)
    read. rule_verdicts_daily joins
    it for the label-coverage gate and to say "not published" of a rule
    whose metric no enabled mart publishes.
-#}
{% macro published_metric_catalog() -%}
    {%- set entries = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
            {%- set node_meta = node.meta or node.config.get('meta', {}) -%}
            {%- set published = node_meta.get('published_metrics') -%}
            {%- if published -%}
                {%- for name in published.get('names', []) -%}
                    {%- do entries.append((name, false, false)) -%}
                {%- endfor -%}
                {%- set labeled = published.get('needs_labels_prefixes', []) -%}
                {%- for prefix in published.get('prefixes', []) -%}
                    {%- do entries.append((prefix, true, (true if prefix in labeled else false))) -%}
                {%- endfor -%}
            {%- endif -%}
            {%- for column in node.columns.values() -%}
                {%- set meta = column.meta or column.config.get('meta', {}) -%}
                {%- if meta.get('metric_layer') -%}
                    {%- do entries.append((meta.get('metric_name', column.name), false, (true if meta.get('needs_labels') else false))) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if entries | length == 0 %}
    select cast(null as string) as metric_name, false as is_prefix, false as needs_labels
    where 1 = 0
    {%- else -%}
    {%- for name, is_prefix, needs_labels in entries %}
    select '{{ name }}' as metric_name, {{ is_prefix }} as is_prefix, {{ needs_labels }} as needs_labels
    {%- if not loop.last %}
    union all
    {%- endif -%}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
