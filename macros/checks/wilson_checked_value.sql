{#-
    The point of the Wilson score interval of proportion `p` on `n` trials
    (z = `z`) nearest the allowed range [`low_bound`, `high_bound`] (either
    may be null): the interval's upper end when it lies wholly below the
    minimum, its lower end when it lies wholly above the maximum, otherwise
    a value inside the range. Bounding it breaches exactly when the whole
    interval is outside the bound, so a 20-row day whose point estimate
    dips does not page anyone. Null when n <= 0 or p is null. The same
    arithmetic, in the same order, as python_checks/stats/intervals.py
    (wilson_checked_value), so both paths give the same verdicts.
-#}
{% macro wilson_checked_value(p, n, z, low_bound, high_bound) -%}
    {%- set z2 = '(' ~ z ~ ' * ' ~ z ~ ')' -%}
    {%- set denominator = '(1 + ' ~ safe_divide(z2, n) ~ ')' -%}
    {%- set centre = safe_divide('(' ~ p ~ ' + ' ~ safe_divide(z2, '(2 * ' ~ n ~ ')') ~ ')', denominator) -%}
    {%- set half = safe_divide(z ~ ' * sqrt(' ~ safe_divide('(' ~ p ~ ' * (1 - ' ~ p ~ '))', n) ~ ' + ' ~ safe_divide(z2, '(4 * ' ~ n ~ ' * ' ~ n ~ ')') ~ ')', denominator) -%}
    {%- set low = 'least(greatest(' ~ centre ~ ' - ' ~ half ~ ', 0), 1)' -%}
    {%- set high = 'least(greatest(' ~ centre ~ ' + ' ~ half ~ ', 0), 1)' -%}
    {%- set above_min -%}
        case
            when {{ low_bound }} is null then {{ p }}
            when {{ high }} < {{ low_bound }} then {{ high }}
            else greatest({{ p }}, {{ low_bound }})
        end
    {%- endset -%}
    case
        when not ({{ n }} > 0) or {{ p }} is null then null
        when {{ high_bound }} is null then {{ above_min }}
        when {{ low }} > {{ high_bound }} then {{ low }}
        else least({{ above_min }}, {{ high_bound }})
    end
{%- endmacro %}
