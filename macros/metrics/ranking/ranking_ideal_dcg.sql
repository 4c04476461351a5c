{#- Per request (inside a `group by request_id` over its relevant
    judgments), the DCG of the ideal list at depth K: the judged relevant
    items, served or not, by descending grade (`ideal_position`), linear
    gain. ranx divides by it (its IDCG is the qrels ranked by grade). -#}
{% macro ranking_ideal_dcg(k) -%}
    {{ exact_sum('case when ideal_position <= ' ~ k ~ ' then relevance / log2(ideal_position + 1) else 0.0 end') }}
        as ideal_dcg_at_{{ k }}
{%- endmacro %}
