-- Per model × reference × numeric feature, computed once per reference: the
-- reference sample's sorted distinct values with the count at each value and
-- the cumulative count up to and including it. A day's exact KS statistic
-- then merges this with the day's own distinct values (one pass over the
-- day's rows plus a merge with this table), never re-reading raw rows.

{{ config(**drift_reference_config()) }}

with

{{ drift_reference_members() }},

value_counts as (

    select
        members.model_name,
        members.reference_id,
        observations.feature_name,
        observations.numeric_value,
        count(*) as n_at_value
    from {{ ref('int_drift_observations') }} as observations
    inner join members
        on
            observations.model_name = members.model_name
            and observations.metric_date = members.reference_date
    where observations.feature_kind = 'numeric'
    group by members.model_name, members.reference_id, observations.feature_name, observations.numeric_value

)

select
    value_counts.model_name,
    value_counts.reference_id,
    value_counts.feature_name,
    value_counts.numeric_value,
    value_counts.n_at_value,
    sum(value_counts.n_at_value) over (
        partition by value_counts.model_name, value_counts.reference_id, value_counts.feature_name
        order by value_counts.numeric_value
        rows between unbounded preceding and current row
    ) as n_at_or_below,
    sum(value_counts.n_at_value) over (
        partition by value_counts.model_name, value_counts.reference_id, value_counts.feature_name
    ) as n_reference,
    reference_sets.n_reference_days,
    reference_sets.first_reference_date,
    reference_sets.last_reference_date
from value_counts
inner join reference_sets
    on
        value_counts.model_name = reference_sets.model_name
        and value_counts.reference_id = reference_sets.reference_id
