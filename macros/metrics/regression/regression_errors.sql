{#- The regression metrics of one group (inside a `group by`) over the rows
    where `scored` holds (a label and a prediction are both present):
    mae, rmse, mean_error (predicted − actual), mape over rows with
    actual ≠ 0 (a fraction; null when every actual is 0) and r2 as sklearn
    r2_score: 1 − SS_res / SS_tot with SS_tot = n · var_pop(actual) (a
    stable variance, not Σy² − nȳ²). r2 is null with fewer than two rows
    (sklearn returns nan) and when every actual is equal (SS_tot = 0:
    undefined; sklearn's force_finite convention would print 1.0 or 0.0). -#}
{% macro regression_errors(actual, predicted, scored) -%}
    {%- set n = 'sum(case when ' ~ scored ~ ' then 1 else 0 end)' -%}
    {%- set error = '(' ~ predicted ~ ' - ' ~ actual ~ ')' -%}
    {#- exact_sum and an ordered variance: the same rows give the same bits in
        any order (incremental runs equal a full refresh exactly). -#}
    {%- set squared_error = exact_sum('case when ' ~ scored ~ ' then ' ~ error ~ ' * ' ~ error ~ ' end') -%}
    {%- set nonzero = scored ~ ' and ' ~ actual ~ ' <> 0' -%}
    {{ n }} as n_scored,
    sum(case when {{ nonzero }} then 1 else 0 end) as n_nonzero_actual,
    {{ safe_divide(exact_sum('case when ' ~ scored ~ ' then abs' ~ error ~ ' end'), n) }} as mae,
    sqrt({{ safe_divide(squared_error, n) }}) as rmse,
    {{ safe_divide(
        exact_sum('case when ' ~ nonzero ~ ' then abs' ~ error ~ ' / abs(' ~ actual ~ ') end'),
        'sum(case when ' ~ nonzero ~ ' then 1 else 0 end)') }} as mape,
    {{ safe_divide(exact_sum('case when ' ~ scored ~ ' then ' ~ error ~ ' end'), n) }} as mean_error,
    case
        when
            {{ n }} >= 2
            and min(case when {{ scored }} then {{ actual }} end)
            < max(case when {{ scored }} then {{ actual }} end)
            then 1.0 - {{ safe_divide(squared_error,
                ordered_var_pop('case when ' ~ scored ~ ' then ' ~ actual ~ ' end') ~ ' * ' ~ n) }}
    end as r2
{%- endmacro %}
