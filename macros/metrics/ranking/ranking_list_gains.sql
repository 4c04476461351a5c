{#- Per served list (inside a `group by request_id`), what the top K earned
    against the judgments, as ranx computes it (trec_eval semantics): the
    relevant items in the top K (hits), the reciprocal position of the first
    one, the sum of precision at each relevant position (average precision
    before dividing by all relevant judged items) and the DCG with linear
    gain. Needs the served rows' `position`, `relevance` (0 when not
    relevant) and `relevant_so_far` (relevant items at or above the row). -#}
{% macro ranking_list_gains(k) -%}
    sum(case when position <= {{ k }} and relevance > 0 then 1 else 0 end) as hits_at_{{ k }},
    max(case when position <= {{ k }} and relevance > 0 then 1.0 / position else 0.0 end)
        as reciprocal_rank_at_{{ k }},
    {{ exact_sum(
        'case when position <= ' ~ k ~ ' and relevance > 0'
        ~ ' then cast(relevant_so_far as double) / position else 0.0 end') }} as precision_sum_at_{{ k }},
    {{ exact_sum(
        'case when position <= ' ~ k ~ ' and relevance > 0'
        ~ ' then relevance / log2(position + 1) else 0.0 end') }} as dcg_at_{{ k }}
{%- endmacro %}
