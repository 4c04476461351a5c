{#-
    A where-clause predicate that keeps the rows of the days this run
    recomputes (incremental_days); `(1 = 1)` when the model is built whole.

    date_column: the column holding the day (metric_date).
    timestamp_column: optional; the source timestamp the day derives from.
    Given, the predicate is a set of half-open timestamp ranges, one per run
    of consecutive days, which DuckDB prunes with min/max zone maps and
    Spark with partition/file statistics: the night's cost follows the
    recomputed days, not the history. Literal dates, so the planner sees
    constants.
    days: optional; the list of days to keep instead of incremental_days()
    (e.g. incremental_days_with_labels()), none for every day.
-#}
{% macro incremental_day_filter(date_column='metric_date', timestamp_column=none, days='run') -%}
    {%- if days == 'run' -%}
        {%- set days = incremental_days() -%}
    {%- endif -%}
    {{- day_list_filter(days, date_column, timestamp_column) -}}
{%- endmacro %}

{#-
    The same predicate for a given list of days (sorted 'YYYY-MM-DD'
    strings; none = every day), for models that recompute more days than
    incremental_days (the drift marts: see drift_recompute_days).
-#}
{% macro day_list_filter(days, date_column='metric_date', timestamp_column=none) -%}
    {%- if days is none -%}
        (1 = 1)
    {%- elif days | length == 0 -%}
        (1 = 0)
    {%- else -%}
        {%- set one_day = modules.datetime.timedelta(days=1) -%}
        {%- set ns = namespace(runs=[], start=none, last=none) -%}
        {%- for text in days -%}
            {%- set day = modules.datetime.date.fromisoformat(text) -%}
            {%- if ns.last is not none and day == ns.last + one_day -%}
                {%- set ns.last = day -%}
            {%- else -%}
                {%- if ns.last is not none -%}
                    {%- do ns.runs.append((ns.start, ns.last)) -%}
                {%- endif -%}
                {%- set ns.start = day -%}
                {%- set ns.last = day -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do ns.runs.append((ns.start, ns.last)) -%}
        (
        {%- for first, last in ns.runs %}
            {%- if timestamp_column %}
            ({{ timestamp_column }} >= cast('{{ first }} 00:00:00' as timestamp)
                and {{ timestamp_column }} < cast('{{ last + one_day }} 00:00:00' as timestamp))
            {%- else %}
            ({{ date_column }} >= cast('{{ first }}' as date)
                and {{ date_column }} <= cast('{{ last }}' as date))
            {%- endif %}
            {{- ' or' if not loop.last }}
        {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}
