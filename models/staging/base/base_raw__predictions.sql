-- Every delivered prediction row, typed, with the reason it cannot be used
-- (null when it can) and its day. Row-level only, so a filter on
-- predicted_at reaches the source scan: the delivery order
-- (prediction_delivery_rank) is computed by stg_raw__predictions over the
-- recomputed days, quarantine_predictions keeps the rest of the story.

with

source as (

    select * from {{ source('raw', 'predictions') }}

),

typed as (

    select
        ---------- ids
        cast(prediction_id as string) as prediction_id,
        cast(model_name as string) as model_name,
        cast(model_version as string) as model_version,
        cast(task_type as string) as task_type,
        cast(user_id as string) as user_id,
        cast(request_id as string) as request_id,
        cast(item_id as string) as item_id,

        ---------- strings
        coalesce(cast(segment as string), 'unknown') as segment,
        cast(generated_text as string) as generated_text,

        ---------- numbers
        cast(score as double) as score,
        cast(threshold as double) as threshold,
        cast(rank as integer) as rank,
        cast(predicted_value as double) as predicted_value,
        cast(latency_ms as double) as latency_ms,

        ---------- booleans
        cast(predicted_label as boolean) as predicted_label,
        cast(is_exploration as boolean) as is_exploration,

        ---------- timestamps
        cast(predicted_at as timestamp) as predicted_at

    from source

),

classified as (

    select
        *,
        case
            when prediction_id is null or prediction_id = '' then 'null_prediction_id'
            when model_name is null or model_name = '' then 'null_model_name'
            when model_version is null or model_version = '' then 'null_model_version'
            when predicted_at is null then 'null_predicted_at'
            when task_type is null then 'null_task_type'
            when task_type not in (
                'binary_classification', 'ranking', 'regression', 'generation'
            ) then 'unknown_task_type'
            when {{ is_not_finite('score') }} then 'score_not_finite'
            when task_type = 'binary_classification' and (score < 0 or score > 1)
                then 'score_out_of_range'
            when {{ is_not_finite('threshold') }} then 'threshold_not_finite'
            when {{ is_not_finite('predicted_value') }} then 'predicted_value_not_finite'
            when {{ is_not_finite('latency_ms') }} then 'latency_not_finite'
            when latency_ms < 0 then 'latency_negative'
            when task_type = 'ranking' and (request_id is null or item_id is null)
                then 'ranking_without_request_or_item'
            when task_type = 'ranking' and (rank is null or rank < 1) then 'rank_not_positive'
        end as quarantine_reason
    from typed

)

select
    *,
    {{ to_date('predicted_at') }} as metric_date
from classified
