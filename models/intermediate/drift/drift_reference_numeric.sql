-- Per model × reference × numeric feature, computed once per reference: the
-- PSI bin edges (numpy.quantile(reference, [0.1 .. 0.9]), linear: the
-- percentiles_cont macro) and the reference's count in each of the 10 bins, so a
-- new day's PSI needs one pass over that day's rows and never re-reads the
-- reference (Evidently recomputes it on every run).

{{ config(**drift_reference_config()) }}

with

{{ drift_reference_members() }},

reference_rows as (

    select
        members.model_name,
        members.reference_id,
        observations.feature_name,
        observations.numeric_value
    from {{ ref('int_drift_observations') }} as observations
    inner join members
        on
            observations.model_name = members.model_name
            and observations.metric_date = members.reference_date
    where observations.feature_kind = 'numeric'

),

edges as (

    select
        model_name,
        reference_id,
        feature_name,
        count(*) as n_reference,
        {{ percentiles_cont(
            'numeric_value',
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
            ['edge_1', 'edge_2', 'edge_3', 'edge_4', 'edge_5', 'edge_6', 'edge_7', 'edge_8', 'edge_9']
        ) }}
    from reference_rows
    group by model_name, reference_id, feature_name

),

binned as (

    select
        reference_rows.model_name,
        reference_rows.reference_id,
        reference_rows.feature_name,
        {{ psi_bin('reference_rows.numeric_value', 'edges.edge_') }} as psi_bin
    from reference_rows
    inner join edges
        on
            reference_rows.model_name = edges.model_name
            and reference_rows.reference_id = edges.reference_id
            and reference_rows.feature_name = edges.feature_name

),

bin_counts as (

    select
        model_name,
        reference_id,
        feature_name,
        {%- for i in range(10) %}
        sum(case when psi_bin = {{ i }} then 1 else 0 end) as reference_count_{{ i }}{{ ',' if not loop.last }}
        {%- endfor %}
    from binned
    group by model_name, reference_id, feature_name

)

select
    edges.*,
    {%- for i in range(10) %}
    bin_counts.reference_count_{{ i }},
    {%- endfor %}
    reference_sets.n_reference_days,
    reference_sets.first_reference_date,
    reference_sets.last_reference_date
from edges
inner join bin_counts
    on
        edges.model_name = bin_counts.model_name
        and edges.reference_id = bin_counts.reference_id
        and edges.feature_name = bin_counts.feature_name
inner join reference_sets
    on
        edges.model_name = reference_sets.model_name
        and edges.reference_id = reference_sets.reference_id
