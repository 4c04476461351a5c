{#-
    The warehouse as it stood at var('as_of') (a 'YYYY-MM-DD' day; unset:
    now): rows whose timestamp is at or after it are not there yet; rows
    without a timestamp are always there (they are quarantined anyway). Set
    only by the batched backfill (`mpm run --batch-days`), which replays the
    history as a sequence of nights, so every id join stays within a few
    days and memory stays bounded at any size; the incremental design then
    makes the result equal a single full build.
-#}
{% macro as_of_filter(timestamp_column) -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of -%}
        ({{ timestamp_column }} is null or {{ timestamp_column }} < cast('{{ as_of }} 00:00:00' as timestamp))
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}
