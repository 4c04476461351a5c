{#-
    Whether a source table exists in the warehouse, for the contract's
    optional tables (model_versions, offline_metrics): a model reading one
    selects from it when it exists and an empty, typed result otherwise, so
    a warehouse without them keeps building and their checks say "not
    evaluated". `relation` is the source() relation (calling source() at
    parse time keeps the lineage). False at parse time.
-#}
{% macro source_exists(relation) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {{ return(found is not none) }}
{%- endmacro %}
