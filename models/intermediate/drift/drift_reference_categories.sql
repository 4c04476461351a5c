-- Per model × reference × categorical feature, computed once per reference:
-- the count of each category in the reference, for categorical PSI and the
-- Jensen-Shannon distance.

{{ config(**drift_reference_config()) }}

with

{{ drift_reference_members() }},

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
    category_counts.model_name,
    category_counts.reference_id,
    category_counts.feature_name,
    category_counts.category_value,
    category_counts.n_in_category,
    sum(category_counts.n_in_category) over (
        partition by category_counts.model_name, category_counts.reference_id, category_counts.feature_name
    ) as n_reference,
    reference_sets.n_reference_days,
    reference_sets.first_reference_date,
    reference_sets.last_reference_date
from category_counts
inner join reference_sets
    on
        category_counts.model_name = reference_sets.model_name
        and category_counts.reference_id = reference_sets.reference_id
