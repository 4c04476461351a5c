{#-
    The id of the reference a metric day is measured against, as a SQL
    string expression. It spells out the declared definition (var
    `drift_reference`), so the reference tables, keyed by it, need
    rebuilding only when the definition changes: an incremental build keeps
    every (model, reference_id) it already holds and adds only new ids.
    `day_expr` is the metric day (trailing windows have one reference per
    day).
-#}
{% macro drift_reference_id(day_expr) -%}
    {%- set ref = var('drift_reference') -%}
    {%- set mode = ref.get('mode', 'first_days') -%}
    {%- if mode == 'first_days' -%}
        'first_days_{{ ref.get("days", 7) }}'
    {%- elif mode == 'fixed_range' -%}
        'range_{{ ref["start"] }}_{{ ref["end"] }}'
    {%- elif mode == 'trailing' -%}
        concat('trailing_{{ ref.get("days", 7) }}d_lag{{ ref.get("lag_days", 1) }}_', cast({{ day_expr }} as string))
    {%- else -%}
        {{ exceptions.raise_compiler_error("drift_reference.mode must be first_days, fixed_range or trailing, got " ~ mode) }}
    {%- endif -%}
{%- endmacro %}
