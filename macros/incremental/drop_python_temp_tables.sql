{#-
    A post-hook for incremental Python models on DuckDB. dbt-duckdb writes a
    Python model's night to `<model>__dbt_tmp<timestamp>`, a real table (not
    a temporary one), and never drops it: every night left one more table
    in the warehouse, with that night's rows. This drops every such table of
    the model, this night's included (its rows are already inserted).
-#}
{% macro drop_python_temp_tables(relation) -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set found = run_query(
            "select table_schema, table_name from information_schema.tables"
            ~ " where table_catalog = '" ~ relation.database ~ "'"
            ~ " and starts_with(table_name, '" ~ relation.identifier ~ "__dbt_tmp')") -%}
        {%- for row in found.rows -%}
            drop table if exists {{ api.Relation.create(
                database=relation.database, schema=row[0], identifier=row[1], type='table') }};
        {% endfor -%}
    {%- endif -%}
{%- endmacro %}
