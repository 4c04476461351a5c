-- Per model × reference × categorical feature, computed once per reference:
-- the count of each category in the reference, for categorical PSI and the
-- Jensen-Shannon distance.

{{ config(materialized='table') }}

with

members as (

    select distinct
        model_name,
        reference_id,
        reference_date
    from {{ ref('int_drift_reference_windows') }}

),

category_counts as (

    select
        members.model_name,
        members.reference_id,
        observations.feature_name,
        observations.category_value,
        count(*) as n_in_category
    from {{ ref('int_drift_observations') }} as observations
    inner join members
        on
            observations.model_name = members.model_name
            and observations.metric_date = members.reference_date
    where observations.feature_kind = 'categorical'
    group by members.model_name, members.reference_id, observations.feature_name, observations.category_value

)

select
    model_name,
    reference_id,
    feature_name,
    category_value,
    n_in_category,
    sum(n_in_category) over (partition by model_name, reference_id, feature_name) as n_reference
from category_counts
