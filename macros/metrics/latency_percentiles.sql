{#- Serving latency of one group of predictions (inside a `group by`): the
    sample size and the p50/p95/p99 with linear interpolation (numpy's
    default), the same for every model so one threshold reads them all. -#}
{% macro latency_percentiles(column='latency_ms') -%}
    count({{ column }}) as n_latency,
    {%- for p in [50, 95, 99] %}
    percentile_cont({{ p / 100 }}) within group (order by {{ column }}) as latency_p{{ p }}_ms
    {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
