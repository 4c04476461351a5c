-- Every delivered prediction row, typed, with the reason it cannot be used
-- (null when it can) and its day. Row-level only, so a filter on
-- predicted_at reaches the source scan: the delivery order
-- (prediction_delivery_rank) is computed by stg_raw__predictions over the
-- recomputed days, quarantine_predictions keeps the rest of the story.
-- Empty strings in keys count as null; the first reason that applies is the
-- row's reason.

{#- The typed and classified rows, inlined where they are read (the rank
    conflicts and the reasons): as CTEs read twice, DuckDB materialized
    every prediction with all its columns once more on every read of this
    view (three times in the feature placement), where an inlined read of
    the ranking rows costs a pruned scan. -#}
{%- set classified %}
    select
        *,
        case
            when prediction_id is null then 'null_prediction_id'
            when model_name is null then 'null_model_name'
            when model_version is null then 'null_model_version'
            when predicted_at is null then 'null_predicted_at'
            when predicted_at < cast('{{ var("earliest_valid_timestamp") }}' as timestamp)
                then 'predicted_at_too_early'
            when predicted_at > {{ latest_valid_timestamp() }}
                then 'predicted_at_in_future'
            when task_type is null then 'null_task_type'
            when task_type not in (
                'binary_classification', 'ranking', 'regression', 'generation'
            ) then 'unknown_task_type'
            when {{ is_not_finite('score') }} then 'score_not_finite'
            when task_type = 'binary_classification' and score is null
                then 'score_missing'
            when task_type = 'binary_classification' and (score < 0 or score > 1)
                then 'score_out_of_range'
            when task_type = 'binary_classification' and predicted_label is null
                then 'predicted_label_missing'
            when {{ is_not_finite('threshold') }} then 'threshold_not_finite'
            when {{ is_not_finite('predicted_value') }} then 'predicted_value_not_finite'
            when {{ is_not_finite('latency_ms') }} then 'latency_not_finite'
            when latency_ms < 0 then 'latency_negative'
            when task_type = 'ranking' and (request_id is null or item_id is null)
                then 'ranking_without_request_or_item'
            when task_type = 'ranking' and (rank is null or rank < 1) then 'rank_not_positive'
            when task_type = 'ranking' and rank > 2147483647 then 'rank_out_of_range'
        end as row_quarantine_reason
    from (
        select
            ---------- ids
            nullif(cast(prediction_id as string), '') as prediction_id,
            nullif(cast(model_name as string), '') as model_name,
            nullif(cast(model_version as string), '') as model_version,
            nullif(cast(task_type as string), '') as task_type,
            nullif(cast(user_id as string), '') as user_id,
            nullif(cast(request_id as string), '') as request_id,
            nullif(cast(item_id as string), '') as item_id,

            ---------- strings
            coalesce(nullif(cast(segment as string), ''), 'unknown') as segment,
            cast(generated_text as string) as generated_text,

            ---------- numbers
            cast(score as double) as score,
            cast(threshold as double) as threshold,
            -- bigint here, so an out-of-range rank is a quarantine reason and
            -- not a failed cast of the whole night; staging keeps it as integer
            cast(rank as bigint) as rank,
            cast(predicted_value as double) as predicted_value,
            cast(latency_ms as double) as latency_ms,

            ---------- booleans
            cast(predicted_label as boolean) as predicted_label,
            cast(is_exploration as boolean) as is_exploration,

            ---------- timestamps
            cast(predicted_at as timestamp) as predicted_at
        from {{ source('raw', 'predictions') }}
        where {{ as_of_filter('cast(predicted_at as timestamp)') }}
    ) as typed
{%- endset %}

with

-- Two different predictions at the same position of one served list: the
-- list's order is ambiguous, so every prediction sharing the position is
-- quarantined (re-deliveries of one prediction_id are not a conflict).
rank_conflicts as (

    select
        request_id,
        rank
    from ({{ classified }}) as classified
    where row_quarantine_reason is null and task_type = 'ranking'
    group by request_id, rank
    having count(distinct prediction_id) > 1

),

reasoned as (

    select
        classified.*,
        coalesce(
            classified.row_quarantine_reason,
            case when rank_conflicts.request_id is not null then 'rank_duplicate_in_request' end
        ) as quarantine_reason
    from ({{ classified }}) as classified
    left join rank_conflicts
        on
            classified.task_type = 'ranking'
            and classified.request_id = rank_conflicts.request_id
            and classified.rank = rank_conflicts.rank

)

select
    *,
    -- A day only for timestamps in the valid range: a placeholder date must
    -- not open a day of metrics (or move the latest day the checks look at).
    case
        when quarantine_reason not in ('predicted_at_too_early', 'predicted_at_in_future')
            or quarantine_reason is null
            then {{ to_date('predicted_at') }}
    end as metric_date
from reasoned
