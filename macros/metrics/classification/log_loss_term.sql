{#- One row's log loss, probability clipped to [1e-15, 1 - 1e-15] (contract). -#}
{% macro log_loss_term(score, label) -%}
    -(
        {{ label }} * ln(greatest(least({{ score }}, 1 - 1e-15), 1e-15))
        + (1 - {{ label }}) * ln(1 - greatest(least({{ score }}, 1 - 1e-15), 1e-15))
    )
{%- endmacro %}
