{#-
    The rows of one drift_reference_* table that belong to a reference the
    run uses (the `used_references` CTE of drift_day_references).
-#}
{% macro drift_used_reference_rows(reference_model) -%}
    select stored.*
    from {{ ref(reference_model) }} as stored
    inner join used_references
        on
            stored.model_name = used_references.model_name
            and stored.reference_id = used_references.reference_id
{%- endmacro %}
