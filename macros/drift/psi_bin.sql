{#- The PSI bin of a value, as numpy.searchsorted(edges, x, side='left')
    numbers it: the count of edges strictly below x (0..n_edges). Ties at an
    edge fall in the lower bin, exactly as numpy puts them. -#}
{% macro psi_bin(value, edge_prefix='edge_', n_edges=9) -%}
    (
        {%- for i in range(1, n_edges + 1) %}
        case when {{ value }} > {{ edge_prefix }}{{ i }} then 1 else 0 end{% if not loop.last %} +{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
