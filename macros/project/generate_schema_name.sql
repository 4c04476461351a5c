{#-
    Custom schemas are used as-is (staging, intermediate, marts, audit) so a
    user finds `marts.classification_metrics_daily`, not `main_marts.…`;
    models without one (the published `metrics_daily`) land in the target
    schema, where `select * from metrics_daily` finds them.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
