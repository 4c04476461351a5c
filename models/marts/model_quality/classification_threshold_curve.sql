-- The precision/recall trade-off a PM tunes: precision, recall, F1 and FPR
-- at each threshold of the grid (step var `threshold_grid_step`), per day ×
-- model × version × segment, and the threshold that minimises
-- cost_false_positive · FP + cost_false_negative · FN. Incremental by
-- metric_date (the days this run recomputes).

{{ config(**incremental_by_day()) }}

{%- set n_steps = (1.0 / var('threshold_grid_step')) | round | int %}
{%- set keys = ['metric_date', 'model_name', 'model_version', 'segment'] %}
{%- set key_list = keys | join(', ') %}

with

score_counts as (

    select
        *,
        -- The grid index of the highest threshold i / n_steps that is <= score,
        -- exact despite floating point: floor() may be one off at a boundary,
        -- and the two corrections compare against the threshold values
        -- themselves, computed the same way as in `thresholds` below.
        cast(floor(score * {{ n_steps }}) as integer) as approximate_step
    from {{ ref('int_classification_score_counts') }}
    where {{ incremental_day_filter('metric_date') }}

),

bucketed as (

    select
        {{ key_list }},
        approximate_step
        + case when score >= cast(approximate_step + 1 as double) / {{ n_steps }} then 1 else 0 end
        - case when score < cast(approximate_step as double) / {{ n_steps }} then 1 else 0 end as step,
        n_pos,
        n_neg
    from score_counts

),

buckets as (

    select
        {{ key_list }},
        step,
        sum(n_pos) as n_pos,
        sum(n_neg) as n_neg
    from bucketed
    group by {{ key_list }}, step

),

totals as (

    select
        {{ key_list }},
        sum(n_pos) as positives,
        sum(n_neg) as negatives
    from buckets
    group by {{ key_list }}

),

thresholds as (

    {%- for i in range(1, n_steps) %}
    select {{ i }} as step, cast({{ i }} as double) / {{ n_steps }} as threshold
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}

),

curve as (

    -- A row scores at or above threshold i exactly when its step >= i.
    select
        {% for key in keys %}totals.{{ key }}, {% endfor %}
        thresholds.threshold,
        totals.positives,
        totals.negatives,
        coalesce(sum(buckets.n_pos), 0) as true_positives,
        coalesce(sum(buckets.n_neg), 0) as false_positives
    from totals
    cross join thresholds
    left join buckets
        on
            {% for key in keys %}totals.{{ key }} = buckets.{{ key }} and {% endfor %}
            buckets.step >= thresholds.step
    group by
        {% for key in keys %}totals.{{ key }}, {% endfor %}
        thresholds.threshold, totals.positives, totals.negatives

),

costed as (

    select
        *,
        positives - true_positives as false_negatives,
        negatives - false_positives as true_negatives,
        cast({{ var('cost_false_positive') }} as double) * false_positives
        + cast({{ var('cost_false_negative') }} as double) * (positives - true_positives) as expected_cost
    from curve

),

final as (

    select
        {{ key_list }},
        threshold,
        true_positives,
        false_positives,
        true_negatives,
        false_negatives,
        {{ safe_divide('true_positives', 'true_positives + false_positives') }} as precision,
        {{ safe_divide('true_positives', 'positives') }} as recall,
        {{ safe_divide('2 * true_positives', '2 * true_positives + false_positives + false_negatives') }}
            as f1,
        {{ safe_divide('false_positives', 'negatives') }} as false_positive_rate,
        expected_cost,
        -- Ties go to the lowest threshold, so the choice is deterministic.
        row_number() over (
            partition by {{ key_list }} order by expected_cost, threshold
        ) = 1 as is_cost_optimal
    from costed

)

select * from final
