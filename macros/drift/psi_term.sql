{#- One bin's (or category's) PSI term: (cur − ref) · ln(cur / ref), both
    shares raised to the contract's floor (0.0001) first, so an empty bin
    adds a large but finite term instead of an infinite one. -#}
{% macro psi_term(current_share, reference_share, floor=0.0001) -%}
    (
        (greatest(coalesce({{ current_share }}, 0), {{ floor }}) - greatest(coalesce({{ reference_share }}, 0), {{ floor }}))
        * ln(greatest(coalesce({{ current_share }}, 0), {{ floor }}) / greatest(coalesce({{ reference_share }}, 0), {{ floor }}))
    )
{%- endmacro %}
