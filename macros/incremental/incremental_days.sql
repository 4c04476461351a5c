{#-
    The days an incremental per-day model recomputes in this run, as a
    sorted list of 'YYYY-MM-DD' strings, or none when the model is built
    whole (first run, `--full-refresh`, or outside execution).

    The set is computed once per run by the model stg_mpm__recompute_days:
      * the last `lookback_days` days (var, default 7) up to the latest day
        with data, because labels arrive late and are revised;
      * every older day holding a prediction whose label arrived or changed
        since the previous successful run (labeled_at > the high-water mark
        that record_incremental_state stores after a complete run);
      * every day, when no high-water mark is stored yet.
    Calling this macro makes the model depend on stg_mpm__recompute_days, so
    the set exists before any model reads it.
-#}
{% macro incremental_days() -%}
    {%- if not execute -%}
        {#- At parse time: record the dependency. -#}
        {%- do ref('stg_mpm__recompute_days') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not is_incremental() -%}
        {#- Built whole (and unit tests, which give no such input). -#}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = ref('stg_mpm__recompute_days') -%}
    {{ return(recompute_days_in(relation)) }}
{%- endmacro %}
