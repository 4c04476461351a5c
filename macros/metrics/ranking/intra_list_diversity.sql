{#- The share of item pairs of one list whose categories differ:
    1 − same-category pairs / all pairs, with n items giving n(n−1)/2 pairs.
    Null for a list of fewer than two items (no pair to compare). -#}
{% macro intra_list_diversity(n_items, same_category_pairs) -%}
    (1.0 - {{ safe_divide(same_category_pairs, n_items ~ ' * (' ~ n_items ~ ' - 1) / 2.0') }})
{%- endmacro %}
