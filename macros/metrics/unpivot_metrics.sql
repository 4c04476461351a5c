{#-
    The long `metrics_daily` rows of one wide per-day mart. Which columns are
    metrics, their layer and the column holding each one's sample size are
    declared once, as column meta in the mart's YAML:

        - name: precision
          config:
            meta: {metric_layer: model_quality, sample_size: n_confusion}

    so adding a metric is one column and three lines of YAML. The wide mart
    must carry metric_date, model_name, model_version and segment; it may
    carry feature_name (drift marts), else '' is published. `where`
    restricts the mart's rows (metrics_daily passes incremental_day_filter()).
-#}
{% macro unpivot_metrics(model_name, where='1 = 1') -%}
    {%- set relation = ref(model_name) -%}
    {%- if not execute -%}
        select 1 as placeholder
    {%- else -%}
        {%- set node = graph.nodes.values() | selectattr('name', 'equalto', model_name) | list | first -%}
        {%- set metric_columns = [] -%}
        {%- for column in node.columns.values() -%}
            {%- set meta = column.meta or column.config.get('meta', {}) -%}
            {%- if meta.get('metric_layer') -%}
                {%- do metric_columns.append((column.name, meta)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if metric_columns | length == 0 -%}
            {{ exceptions.raise_compiler_error("unpivot_metrics: " ~ model_name ~ " declares no column with meta.metric_layer") }}
        {%- endif -%}
        {%- for name, meta in metric_columns %}
    select
        metric_date,
        model_name,
        model_version,
        segment,
        '{{ meta["metric_layer"] }}' as layer,
        '{{ meta.get("metric_name", name) }}' as metric_name,
        {{ meta.get("feature_name_column", "''") }} as feature_name,
        cast({{ name }} as double) as metric_value,
        cast({{ meta["sample_size"] }} as bigint) as sample_size
    from {{ relation }}
    where {{ where }}
            {%- if not loop.last %}
    union all
            {%- endif %}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
