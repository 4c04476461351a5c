{#-
    The days of the business layer a run recomputes.

    business_event_days(): the days whose attributed events can have
    changed: incremental_days() plus the days of stored events whose user
    segment moved (stg_mpm__segment_changed_days). None when built whole.

    business_metric_days(): the metric days those event days can change:
    each event day d, d - 1 (d1 retention and activation of the day
    before), d - 7 (d7 retention) and d + 1 (return rate). The latest day
    moving forward is covered the same way: it is an event day.

    business_input_days(): the event days the metric days read: each metric
    day d, d - 1 (yesterday's users), d + 1 and d + 7 (follow-ups).
-#}
{% macro business_event_days() -%}
    {%- if not execute -%}
        {%- do ref('stg_mpm__segment_changed_days') -%}
    {%- endif -%}
    {%- set days = incremental_days() -%}
    {%- if days is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set all_days = days | list -%}
    {#- found since the last complete run (a killed run's days included) -#}
    {%- set rows = run_query(
        'select distinct metric_date from ' ~ ref('stg_mpm__segment_changed_days')
        ~ ' where completed_runs = ' ~ incremental_completed_runs()) -%}
    {%- for value in rows.columns[0].values() -%}
        {%- set text = (value | string)[:10] -%}
        {%- if text not in all_days -%}
            {%- do all_days.append(text) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(all_days | sort) }}
{%- endmacro %}

{% macro business_shift_days(days, offsets) -%}
    {%- set out = [] -%}
    {%- for text in days -%}
        {%- set day = modules.datetime.date.fromisoformat(text) -%}
        {%- for offset in offsets -%}
            {%- set shifted = (day + modules.datetime.timedelta(days=offset)).isoformat() -%}
            {%- if shifted not in out -%}
                {%- do out.append(shifted) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(out | sort) }}
{%- endmacro %}

{% macro business_metric_days() -%}
    {%- set days = business_event_days() -%}
    {{ return(none if days is none else business_shift_days(days, [-7, -1, 0, 1])) }}
{%- endmacro %}

{% macro business_input_days() -%}
    {%- set days = business_metric_days() -%}
    {{ return(none if days is none else business_shift_days(days, [-1, 0, 1, 7])) }}
{%- endmacro %}
