{#- scipy.special.rel_entr(p, m) = p · ln(p / m), 0 when p = 0: one term of
    the Jensen-Shannon divergence (m is the mixture, > 0 wherever p > 0). -#}
{% macro relative_entropy_term(p, m) -%}
    (case when {{ p }} > 0 then {{ p }} * ln({{ p }} / ({{ m }})) else 0 end)
{%- endmacro %}
