{#-
    Register the contract's source tables from Parquet files as tables of
    `schema`, through dbt's own connection, so the same call works on a local
    Spark session, a thrift server or Databricks:

        dbt run-operation register_parquet_sources --args
            '{schema: raw, location: /data/parquet, tables: {predictions: "prediction_id string, ..."}}'

    Each table reads every Parquet file under <location>/<table>/, with the
    column types of the contract (python_checks.contract, passed in by
    python_checks.spark_loader, so they are declared once). Files are never
    copied or deleted: re-registering only replaces the table definition.
    `absent` names optional tables the export did not hold: their
    definitions are dropped, so the models see them as missing (not stale).
-#}
{% macro register_parquet_sources(schema, location, tables, absent=[]) -%}
    {{ return(adapter.dispatch('register_parquet_sources', 'ml_product_metrics')(schema, location, tables, absent)) }}
{%- endmacro %}

{% macro default__register_parquet_sources(schema, location, tables, absent=[]) -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- for table in absent -%}
        {%- do run_query('drop view if exists ' ~ schema ~ '.' ~ table) -%}
    {%- endfor -%}
    {%- for table, columns in tables.items() -%}
        {%- do run_query('drop view if exists ' ~ schema ~ '.' ~ table) -%}
        {%- do run_query(
            'create view ' ~ schema ~ '.' ~ table ~ ' as select * from read_parquet('
            ~ "'" ~ location ~ '/' ~ table ~ "/*.parquet')"
        ) -%}
        {{ log('registered ' ~ schema ~ '.' ~ table ~ ' from ' ~ location ~ '/' ~ table, info=true) }}
    {%- endfor -%}
{%- endmacro %}

{% macro spark__register_parquet_sources(schema, location, tables, absent=[]) -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- for table in absent -%}
        {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ table) -%}
    {%- endfor -%}
    {%- for table, columns in tables.items() -%}
        {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ table) -%}
        {%- do run_query(
            'create table ' ~ schema ~ '.' ~ table ~ ' (' ~ columns ~ ') using parquet location '
            ~ "'" ~ location ~ '/' ~ table ~ "'"
        ) -%}
        {{ log('registered ' ~ schema ~ '.' ~ table ~ ' from ' ~ location ~ '/' ~ table, info=true) }}
    {%- endfor -%}
{%- endmacro %}
