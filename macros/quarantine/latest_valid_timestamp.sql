{#- The latest timestamp a source row may carry: now (UTC) plus the declared
    `max_future_days`. Later rows (clock bugs, placeholder dates like
    2999-12-31) are quarantined instead of creating days that never end. -#}
{% macro latest_valid_timestamp() -%}
    {{ dbt.dateadd('day', var('max_future_days'), 'cast(' ~ dbt.current_timestamp() ~ ' as timestamp)') }}
{%- endmacro %}
