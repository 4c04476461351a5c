{#-
    The confusion-matrix metrics of the served labels, from the four counts
    (contract section 3; sklearn semantics, but null rather than 0 when a
    denominator is 0, because "no predicted positive" is not "precision 0").
-#}
{% macro served_label_rates(tp='true_positives', fp='false_positives', tn='true_negatives', fn='false_negatives') -%}
    {{ safe_divide(tp ~ ' + ' ~ tn, tp ~ ' + ' ~ fp ~ ' + ' ~ tn ~ ' + ' ~ fn) }} as accuracy,
    {{ safe_divide(tp, tp ~ ' + ' ~ fp) }} as precision,
    {{ safe_divide(tp, tp ~ ' + ' ~ fn) }} as recall,
    {{ safe_divide('2 * ' ~ tp, '2 * ' ~ tp ~ ' + ' ~ fp ~ ' + ' ~ fn) }} as f1,
    {{ safe_divide(tn, tn ~ ' + ' ~ fp) }} as specificity,
    {{ safe_divide(fp, fp ~ ' + ' ~ tn) }} as false_positive_rate
{%- endmacro %}
