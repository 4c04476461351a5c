{#- The six ranx accuracy metrics at depth K for one group of lists (inside
    a `group by`), each the mean over the lists with at least one relevant
    judged item (`n_relevant > 0`); lists without one are left out, as ranx
    leaves out queries without relevant qrels. precision divides by K even
    when the list is shorter (trec_eval); recall and MAP by every relevant
    judged item, served or not (an unserved relevant item is a miss). -#}
{% macro ranking_accuracy_means(k) -%}
    {%- set evaluated = 'n_relevant > 0' -%}
    {%- set n_evaluated = 'sum(case when ' ~ evaluated ~ ' then 1 else 0 end)' -%}
    {%- set per_list = {
        'precision': 'cast(hits_at_' ~ k ~ ' as double) / ' ~ k,
        'recall': safe_divide('cast(hits_at_' ~ k ~ ' as double)', 'n_relevant'),
        'ndcg': safe_divide('dcg_at_' ~ k, 'ideal_dcg_at_' ~ k),
        'mrr': 'reciprocal_rank_at_' ~ k,
        'map': safe_divide('precision_sum_at_' ~ k, 'n_relevant'),
        'hit_rate': 'case when hits_at_' ~ k ~ ' > 0 then 1.0 else 0.0 end',
    } -%}
    {%- for name, expr in per_list.items() %}
    {{ safe_divide(exact_sum('case when ' ~ evaluated ~ ' then ' ~ expr ~ ' end'), n_evaluated) }}
        as {{ name }}_at_{{ k }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
