{#- Serving latency of one group of predictions (inside a `group by`): the
    sample size and the p50/p95/p99 with linear interpolation (numpy's
    default), the same for every model so one threshold reads them all. -#}
{% macro latency_percentiles(column='latency_ms') -%}
    count({{ column }}) as n_latency,
    {{ percentiles_cont(column, [0.5, 0.95, 0.99], ['latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms']) }}
{%- endmacro %}
