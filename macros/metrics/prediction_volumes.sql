{#- Volumes and label maturity of one group of predictions (inside a
    `group by`): every model publishes n_predictions and n_labeled the same
    way, and label_coverage = n_labeled / n_predictions from them. -#}
{% macro prediction_volumes(is_labeled) -%}
    count(*) as n_predictions,
    sum(case when {{ is_labeled }} then 1 else 0 end) as n_labeled
{%- endmacro %}
