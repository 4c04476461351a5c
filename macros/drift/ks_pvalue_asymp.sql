{#-
    The Pelz-Good approximation of the two-sided one-sample Kolmogorov
    survival function kstwo.sf(d, n), the large-n branch of macro ks_pvalue
    (use that one: it is the contract's ks_2samp(..., method='asymp') p-value
    for every n, exact for n <= 18 from the seed ks_small_n_sf). Not the
    limiting kstwobign, which is off by up to 5e-3 at the demo's sizes.

    As scipy at large n: Ruben-Gambino's closed forms at the edges
    (n·d ≤ 1, n·d ≥ n − 1; n!/nⁿ is taken as 0 above n = 12, where it is
    below 3e-5), 0 when n·d² ≥ 18, and the Pelz-Good series (Li-Chien/
    Korolyuk expansion to n^-1.5) between them. scipy uses exact
    Durbin/Pomeranz recursions for n ≤ 140 instead; measured against
    kstwo.sf on a dense grid of d (every i/(2n), random d) for each n up to
    200 and every 25th up to 2000, this series is off by up to 0.027 at
    n = 3, 1e-3 at n = 13, 2.2e-4 at n = 18, and within 2e-4 for every
    n ≥ 19 (4.1e-5 from n = 41, 1e-5 from n = 77, 1.2e-6 from n = 201):
    hence the seed for n ≤ 18. 22 series terms cover every z = √n·d < √18
    (scipy takes ceil(16z/π) ≤ 22).

    `n` must be the rounded effective size (a column), `d` the statistic.
-#}
{% macro ks_pvalue_asymp(d, n) -%}
    {%- set pi = 3.141592653589793 -%}
    {%- set z = '(sqrt(' ~ n ~ ') * ' ~ d ~ ')' -%}
    {%- set z2 = '(' ~ n ~ ' * ' ~ d ~ ' * ' ~ d ~ ')' -%}
    {%- set sqrt2pi = 2.5066282746310002 -%}
    {%- set terms = 22 -%}
    {%- set pi2 = pi * pi -%}
    {%- set pi4 = pi2 * pi2 -%}
    {%- set pi6 = pi4 * pi2 -%}
    case
        when {{ n }} is null or {{ n }} <= 0 or {{ d }} is null then null
        when {{ d }} <= 0 then 1.0
        when {{ d }} >= 1 then 0.0
        when {{ n }} * {{ d }} <= 0.5 then 1.0
        when {{ n }} * {{ d }} <= 1 then 1.0 - (
            case {{ n }}
                {%- for k in range(1, 13) %}
                {%- set ns = namespace(v=1.0) %}
                {%- for i in range(1, k + 1) %}{% set ns.v = ns.v * i / k %}{% endfor %}
                when {{ k }} then {{ ns.v }}
                {%- endfor %}
                else 0.0
            end
        ) * power(2 * {{ n }} * {{ d }} - 1, {{ n }})
        when {{ n }} * {{ d }} >= {{ n }} - 1 then 2 * power(1 - {{ d }}, {{ n }})
        when {{ z2 }} >= 18 then 0.0
        when {{ z2 }} < 0.0017425149013222737 then 1.0
        else least(1.0, greatest(0.0, 1.0 - (
            -- K0(z)
            {{ sqrt2pi }} / {{ z }} * (
                {%- for k in range(1, terms + 1) %}{% set m = 2 * k - 1 %}
                exp(-{{ m * m * pi2 / 8 }} / {{ z2 }}){% if not loop.last %} +{% endif %}
                {%- endfor %}
            )
            -- K1(z) / sqrt(n)
            + {{ sqrt2pi }} / (6 * power({{ z }}, 4)) * (
                {%- for k in range(1, terms + 1) %}{% set m = 2 * k - 1 %}
                (-{{ z2 }} + {{ pi2 / 4 * m * m }}) * exp(-{{ m * m * pi2 / 8 }} / {{ z2 }}){% if not loop.last %} +{% endif %}
                {%- endfor %}
            ) / sqrt({{ n }})
            -- K2(z) / n
            + (
                {{ sqrt2pi }} / (72 * power({{ z }}, 7)) * (
                    {%- for k in range(1, terms + 1) %}{% set m = 2 * k - 1 %}
                    (
                        6 * power({{ z2 }}, 3) + 2 * power({{ z2 }}, 2)
                        + (2 * power({{ z2 }}, 2) - 5 * {{ z2 }}) * {{ pi2 / 4 * m * m }}
                        + (1 - 2 * {{ z2 }}) * {{ pi4 / 16 * m ** 4 }}
                    ) * exp(-{{ m * m * pi2 / 8 }} / {{ z2 }}){% if not loop.last %} +{% endif %}
                    {%- endfor %}
                )
                + {{ pi2 * sqrt2pi }} / (-36 * power({{ z }}, 3)) * (
                    {%- for k in range(1, terms + 1) %}
                    {{ k * k }} * exp(-{{ k * k * pi2 / 2 }} / {{ z2 }}){% if not loop.last %} +{% endif %}
                    {%- endfor %}
                )
            ) / {{ n }}
            -- K3(z) / n^1.5
            + (
                {{ sqrt2pi }} / (6480 * power({{ z }}, 10)) * (
                    {%- for k in range(1, terms + 1) %}{% set m = 2 * k - 1 %}
                    (
                        -30 * power({{ z2 }}, 3) - 90 * power({{ z2 }}, 4)
                        + (135 * power({{ z2 }}, 2) - 96 * power({{ z2 }}, 3)) * {{ pi2 / 4 * m * m }}
                        + (-60 * {{ z2 }} + 212 * power({{ z2 }}, 2)) * {{ pi4 / 16 * m ** 4 }}
                        + (5 - 30 * {{ z2 }}) * {{ pi6 / 64 * m ** 6 }}
                    ) * exp(-{{ m * m * pi2 / 8 }} / {{ z2 }}){% if not loop.last %} +{% endif %}
                    {%- endfor %}
                )
                + {{ pi2 * sqrt2pi }} / (216 * power({{ z2 }}, 3)) * (
                    {%- for k in range(1, terms + 1) %}
                    (3 * {{ z2 }} - {{ pi2 * k * k }}) * {{ k * k }} * exp(-{{ k * k * pi2 / 2 }} / {{ z2 }})
                    {%- if not loop.last %} +{% endif %}
                    {%- endfor %}
                )
            ) / power({{ n }}, 1.5)
        )))
    end
{%- endmacro %}
