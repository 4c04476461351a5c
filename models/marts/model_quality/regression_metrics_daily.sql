-- Every regression metric of the contract per day × model × version ×
-- segment with the __all__ rollups, equal to sklearn/numpy (see
-- regression_errors for the null cases), with volumes and latency.
-- Incremental by metric_date (the days this run recomputes).

{{ config(**incremental_by_day()) }}

with

predictions as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        latency_ms,
        is_labeled,
        is_labeled and actual_value is not null and predicted_value is not null as is_scored,
        actual_value,
        predicted_value
    from {{ ref('int_predictions_labeled') }}
    where task_type = 'regression'
        and {{ incremental_day_filter('metric_date') }}

),

final as (

    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,
        {{ prediction_volumes('is_labeled') }},
        {{ safe_divide('sum(case when is_labeled then 1 else 0 end)', 'count(*)') }} as label_coverage,
        {{ regression_errors('actual_value', 'predicted_value', 'is_scored') }},
        {{ latency_percentiles('latency_ms') }}  -- noqa: PRS, AL02
    from predictions
    group by {{ rollup_grouping_sets() }}

)

select * from final
