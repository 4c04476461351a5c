{#-
    One rollup column of a `group by grouping sets (...)`: the value itself at
    the fine grain, `__all__` where the grouping set rolls it up. Every mart
    publishes the same four levels (version × segment, version, segment,
    model), so the contract's `__all__`/`__all__` row always exists.
-#}
{% macro rollup_key(column) -%}
    case when grouping({{ column }}) = 1 then '__all__' else {{ column }} end
{%- endmacro %}
