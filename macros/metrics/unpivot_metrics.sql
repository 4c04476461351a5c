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
    One scan of the mart, crossed with its list of metric columns: a select
    per column scanned each mart once per metric (about 150 scans in all;
    at 300 days that was most of the night's growth in metrics_daily).
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
    select
        mart.metric_date,
        mart.model_name,
        mart.model_version,
        mart.segment,
        metrics.layer,
        metrics.metric_name,
        case metrics.column_name
        {%- for name, meta in metric_columns %}
            when '{{ name }}' then {{ ('mart.' ~ meta["feature_name_column"]) if meta.get("feature_name_column") else "''" }}
        {%- endfor %}
        end as feature_name,
        case metrics.column_name
        {%- for name, meta in metric_columns %}
            when '{{ name }}' then cast(mart.{{ name }} as double)
        {%- endfor %}
        end as metric_value,
        case metrics.column_name
        {%- for name, meta in metric_columns %}
            when '{{ name }}' then cast(mart.{{ meta["sample_size"] }} as bigint)
        {%- endfor %}
        end as sample_size
    from {{ relation }} as mart
    cross join (
        {%- for name, meta in metric_columns %}
        select
            '{{ name }}' as column_name,
            '{{ meta["metric_layer"] }}' as layer,
            '{{ meta.get("metric_name", name) }}' as metric_name
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as metrics
    where {{ where }}
    {%- endif -%}
{%- endmacro %}
