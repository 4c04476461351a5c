{#-
    dbt-duckdb's create_table_as, except for the temporary relation of an
    incremental night of a model whose rows all lie on incremental_days()
    (config `writes_days: incremental_days`, via incremental_by_day): that
    is a view, so duckdb__get_delete_insert_merge_sql inserts the model's
    rows straight into the table instead of writing them to a temporary
    table first and copying them after. At 1M predictions a day that second
    write was most of a large model's night: int_drift_observations, 36M
    new rows in a 10-day batch, 21.1 s -> 12.5 s. First builds,
    --full-refresh and every other model keep the adapter's table.
-#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {%- if temporary and language == 'sql' and config.get('writes_days') -%}
        create temporary view {{ relation.include(database=false, schema=false) }} as (
            {{ compiled_code }}
        )
    {%- else -%}
        {{ return(dbt.duckdb__create_table_as(
            temporary, relation, compiled_code, language, partitioned_by, sorted_by)) }}
    {%- endif -%}
{%- endmacro %}
