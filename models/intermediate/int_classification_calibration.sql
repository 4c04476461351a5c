-- The calibration behind the estimated (label-free) classification metrics
-- (../shared/CONTRACT.md, section 3, "Estimated without labels"): per model
-- and drift reference (the same reference window as drift), the 19 edges
-- numpy.quantile(s_ref, [0.05 .. 0.95]) over the scores of the reference's
-- labeled predictions, and c = the mean label in each of the 20 bins
-- (null for a bin no reference prediction fell in). One row per model ×
-- reference_id; rebuilt whole each run (a few rows), because a late label
-- on a reference day changes it: the estimated mart recomputes the days of
-- such a reference (drift_recompute_days).

{{ config(materialized='table') }}

{%- set quantiles = [] %}
{%- set edge_names = [] %}
{%- for i in range(1, 20) %}
    {%- do quantiles.append(i * 5 / 100) %}
    {%- do edge_names.append('edge_' ~ i) %}
{%- endfor %}

with

members as (

    select distinct
        model_name,
        reference_id,
        reference_date
    from {{ ref('int_drift_reference_windows') }}

),

reference_rows as (

    select
        members.model_name,
        members.reference_id,
        predictions.score,
        predictions.label
    from {{ ref('int_classification_predictions') }} as predictions
    inner join members
        on
            predictions.model_name = members.model_name
            and predictions.metric_date = members.reference_date
    where predictions.is_labeled and predictions.score is not null

),

edges as (

    select
        model_name,
        reference_id,
        count(*) as n_calibration,
        {{ percentiles_cont('score', quantiles, edge_names) }}
    from reference_rows
    group by model_name, reference_id

),

binned as (

    select
        reference_rows.model_name,
        reference_rows.reference_id,
        reference_rows.label,
        {{ psi_bin('reference_rows.score', 'edges.edge_', 19) }} as calibration_bin
    from reference_rows
    inner join edges
        on
            reference_rows.model_name = edges.model_name
            and reference_rows.reference_id = edges.reference_id

),

bin_means as (

    select
        model_name,
        reference_id,
        {%- for i in range(20) %}
        {{ safe_divide(
            'sum(case when calibration_bin = ' ~ i ~ ' then label else 0 end)',
            'sum(case when calibration_bin = ' ~ i ~ ' then 1 else 0 end)'
        ) }} as calibration_{{ i }}{{ ',' if not loop.last }}
        {%- endfor %}
    from binned
    group by model_name, reference_id

)

select
    edges.*,
    {%- for i in range(20) %}
    bin_means.calibration_{{ i }}{{ ',' if not loop.last }}
    {%- endfor %}
from edges
inner join bin_means
    on
        edges.model_name = bin_means.model_name
        and edges.reference_id = bin_means.reference_id
