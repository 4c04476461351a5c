{#-
    The four rollup levels every per-day mart reports, optionally with extra
    fine-grain columns (e.g. `score` for the rank-based metrics) kept in all
    of them.
-#}
{% macro rollup_grouping_sets(extra=[]) -%}
    {%- set tail = (', ' ~ extra | join(', ')) if extra else '' -%}
    grouping sets (
        (metric_date, model_name, model_version, segment{{ tail }}),
        (metric_date, model_name, model_version{{ tail }}),
        (metric_date, model_name, segment{{ tail }}),
        (metric_date, model_name{{ tail }})
    )
{%- endmacro %}
