-- Every delivered label, typed, with the reason it cannot be used (null when
-- it can). A label must point at an accepted prediction (or, for ranking,
-- a served request) and carry a value the task can mean; empty-string keys
-- count as null. Row-level only, so a semi-join on prediction_id reaches the
-- scan; the recency among labels for the same key (label_recency_rank:
-- labels arrive late and get revised, the latest labeled_at wins) is
-- computed where the labels are used.

with

source as (

    select * from {{ source('raw', 'labels') }}

),

deliveries as (

    select * from {{ ref('base_raw__predictions') }}

),

-- One row per delivered id (one pass over the predictions, the costliest
-- step here at scale): whether any delivery of it was accepted, and the
-- model and task of the accepted ones (re-deliveries share them). A label
-- for an id seen only in quarantine is not an orphan: its prediction exists
-- but cannot be used.
delivered_ids as (

    select
        prediction_id,
        min(case when quarantine_reason is null then model_name end) as model_name,
        min(case when quarantine_reason is null then task_type end) as task_type,
        max(case when quarantine_reason is null then 1 else 0 end) as is_accepted
    from deliveries
    where prediction_id is not null
    group by prediction_id

),

served_lists as (

    select
        request_id,
        model_name
    from deliveries
    where quarantine_reason is null and task_type = 'ranking'

),

served_requests as (

    select
        request_id,
        min(model_name) as model_name
    from served_lists
    group by request_id

),

typed as (

    select
        ---------- ids
        nullif(cast(prediction_id as string), '') as prediction_id,
        nullif(cast(request_id as string), '') as request_id,
        nullif(cast(item_id as string), '') as item_id,

        ---------- strings
        cast(reference_text as string) as reference_text,

        ---------- numbers
        cast(actual_value as double) as actual_value,

        ---------- timestamps
        cast(labeled_at as timestamp) as labeled_at

    from source

),

classified as (

    select
        typed.*,
        case
            when typed.prediction_id is not null then 'prediction'
            when typed.request_id is not null and typed.item_id is not null
                then 'ranking_judgment'
        end as label_kind,
        coalesce(delivered_ids.model_name, served_requests.model_name) as model_name,
        case
            when typed.labeled_at is null then 'null_labeled_at'
            when typed.labeled_at < cast('{{ var("earliest_valid_timestamp") }}' as timestamp)
                then 'labeled_at_too_early'
            when typed.labeled_at > {{ latest_valid_timestamp() }} then 'labeled_at_in_future'
            when typed.prediction_id is null and (typed.request_id is null or typed.item_id is null)
                then 'label_without_key'
            when {{ is_not_finite('typed.actual_value') }} then 'actual_value_not_finite'
            when typed.prediction_id is not null and delivered_ids.prediction_id is null
                then 'orphan_label'
            when typed.prediction_id is not null and delivered_ids.is_accepted = 0
                then 'label_for_quarantined_prediction'
            when typed.prediction_id is null and served_requests.request_id is null
                then 'label_for_unserved_request'
            when delivered_ids.task_type = 'binary_classification'
                and (typed.actual_value is null or typed.actual_value not in (0, 1))
                then 'classification_label_not_binary'
        end as quarantine_reason
    from typed
    left join delivered_ids
        on typed.prediction_id = delivered_ids.prediction_id
    left join served_requests
        on typed.prediction_id is null and typed.request_id = served_requests.request_id

)

select
    *,
    case
        when quarantine_reason not in ('labeled_at_too_early', 'labeled_at_in_future')
            or quarantine_reason is null
            then {{ to_date('labeled_at') }}
    end as label_date
from classified
