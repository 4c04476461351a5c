{#-
    The config of a per-day model that is rebuilt only for the days that can
    have changed (see incremental_days). Adopting the pattern is two lines:

        {{ config(**incremental_by_day()) }}
        ...
        where {{ incremental_day_filter('metric_date') }}

    (`incremental_day_filter('metric_date', 'predicted_at')` when the rows
    come from a source timestamp: the timestamp range prunes the scan.)

    DuckDB: delete+insert keyed on metric_date, so a recomputed day replaces
    the stored day whole inside one transaction (a killed run leaves the
    previous day in place). Spark: insert_overwrite of metric_date
    partitions, the same per-day replacement. New columns are appended; run
    `dbt build --full-refresh` to back-fill them on old days.

    extra: more config. `{'writes_days': 'incremental_days'}` declares that
    every row the model writes lies on incremental_days(); DuckDB then
    inserts a night's rows straight into the table instead of copying them
    through a temporary table (duckdb__create_table_as.sql). Only for models
    whose every row passes incremental_day_filter: the insert drops rows of
    any other day.
-#}
{% macro incremental_by_day(extra={}) -%}
    {%- set settings = {
        'materialized': 'incremental',
        'on_schema_change': 'append_new_columns',
    } -%}
    {%- if target.type == 'spark' -%}
        {%- do settings.update({
            'incremental_strategy': 'insert_overwrite',
            'partition_by': ['metric_date'],
        }) -%}
    {%- else -%}
        {%- do settings.update({
            'incremental_strategy': 'delete+insert',
            'unique_key': 'metric_date',
        }) -%}
    {%- endif -%}
    {%- do settings.update(extra) -%}
    {{ return(settings) }}
{%- endmacro %}
