{#-
    The contract's ks_pvalue: scipy.stats.ks_2samp(..., method='asymp').pvalue,
    i.e. kstwo.sf(d, n) at the rounded effective size n (round half to even,
    as numpy; n = 0, the size scipy calls nan, gives null).

    Exact for every n the seed ks_small_n_sf holds (n <= 18): there
    kstwo.sf is a polynomial of degree <= n in d on each interval
    [j/(2n), (j+1)/(2n)], stored per (n, j) in u = 2nd - j and evaluated
    here by Horner (within 1e-13 of scipy). Above, the Pelz-Good series of
    ks_pvalue_asymp, within 2e-4 of scipy from n = 19 on (1e-5 from
    n ≈ 80). The caller left-joins the seed:

        left join {{ ref('ks_small_n_sf') }} as piece
            on cast(n as bigint) = piece.n
            and {{ ks_sf_interval('d', 'n') }} = piece.interval_index

    and passes the alias as `piece`; a size the seed lacks falls through to
    the series. seeds/ks_small_n_sf.py generates the seed.
-#}

{#- Coefficient columns c0 .. c{width - 1} of the seed (its largest n + 1). -#}
{% macro ks_sf_width() -%}19{%- endmacro %}

{#- The seed's interval_index of statistic d at size n: floor(2nd). -#}
{% macro ks_sf_interval(d, n) -%}
    cast(floor(2 * {{ n }} * {{ d }}) as bigint)
{%- endmacro %}

{% macro ks_pvalue(d, n, piece) -%}
    {%- set u = '(2 * ' ~ n ~ ' * ' ~ d ~ ' - ' ~ piece ~ '.interval_index)' -%}
    {%- set width = ks_sf_width() | int -%}
    case
        when {{ n }} is null or {{ n }} <= 0 or {{ d }} is null then null
        when {{ d }} <= 0 then 1.0
        when {{ d }} >= 1 then 0.0
        when {{ n }} * {{ d }} <= 0.5 then 1.0
        when {{ piece }}.n is not null then least(1.0, greatest(0.0,
            {% for i in range(width) -%}
            {{ piece }}.c{{ i }}{% if not loop.last %} + {{ u }} * ({% endif %}
            {%- endfor %}{% for i in range(width - 1) %}){% endfor %}
        ))
        else {{ ks_pvalue_asymp(d, n) }}
    end
{%- endmacro %}
