-- Per model × reference × numeric feature, computed once per reference: the
-- reference sample's sorted distinct values with the count at each value and
-- the cumulative count up to and including it. A day's exact KS statistic
-- then merges this with the day's own distinct values (one pass over the
-- day's rows plus a merge with this table), never re-reading raw rows.

{{ config(materialized='table') }}

with

members as (

    select distinct
        model_name,
        reference_id,
        reference_date
    from {{ ref('int_drift_reference_windows') }}

),

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
    model_name,
    reference_id,
    feature_name,
    numeric_value,
    n_at_value,
    sum(n_at_value) over (
        partition by model_name, reference_id, feature_name
        order by numeric_value
        rows between unbounded preceding and current row
    ) as n_at_or_below,
    sum(n_at_value) over (partition by model_name, reference_id, feature_name) as n_reference
from value_counts
