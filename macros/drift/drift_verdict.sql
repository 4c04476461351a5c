{#-
    The drift type of a model day from its three signals (1 moved, 0 held,
    null could not be read), in the seed's order of diagnosis: moved inputs
    explain everything downstream (data_drift: retrain on the new inputs);
    quality falling while inputs held means the label relationship changed
    (concept_drift: relabel and retrain); a moved label mean with inputs and
    quality holding is label_drift (investigate the population or the
    labelling). Unit-tested on hand-built cases in _drift__models.yml.
-#}
{% macro drift_verdict(inputs_moved, quality_fell, labels_moved) -%}
    (case
        when {{ inputs_moved }} = 1 then 'data_drift'
        when {{ quality_fell }} = 1 then 'concept_drift'
        when {{ labels_moved }} = 1 then 'label_drift'
        when {{ inputs_moved }} is null and {{ quality_fell }} is null and {{ labels_moved }} is null
            then 'not_evaluated'
        else 'none'
    end)
{%- endmacro %}
