{#- Gini coefficient of n non-negative values from three aggregates over the
    values sorted ascending (index i = 1..n):
    G = 2·Σ i·x_i / (n·Σ x) − (n + 1) / n, which equals the mean absolute
    difference Σ_i Σ_j |x_i − x_j| / (2·n²·mean). 0 when every item got the
    same exposure, towards 1 when a few items take it all. -#}
{% macro gini_coefficient(sum_index_times_value, n, total) -%}
    ({{ safe_divide('2.0 * ' ~ sum_index_times_value, n ~ ' * ' ~ total) }}
    - {{ safe_divide(n ~ ' + 1.0', n) }})
{%- endmacro %}
