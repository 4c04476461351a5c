-- Every delivered label, typed, with the kind of key it joins on, the
-- reason it cannot be used that the row itself shows (no or an
-- out-of-range labeled_at, no key, a non-finite value) and its day. Row-level
-- only, so a filter on labeled_at or prediction_id reaches the scan: the
-- reasons that need the predictions (orphans, labels of quarantined
-- predictions or unserved requests, non-binary classification labels) are
-- decided by stg_raw__label_deliveries on the label's day, and by
-- int_predictions_labeled for the predictions it recomputes.

with

source as (

    select * from {{ source('raw', 'labels') }}
    where {{ as_of_filter('cast(labeled_at as timestamp)') }}

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
        *,
        case
            when prediction_id is not null then 'prediction'
            when request_id is not null and item_id is not null then 'ranking_judgment'
        end as label_kind,
        case
            when labeled_at is null then 'null_labeled_at'
            when labeled_at < cast('{{ var("earliest_valid_timestamp") }}' as timestamp)
                then 'labeled_at_too_early'
            when labeled_at > {{ latest_valid_timestamp() }} then 'labeled_at_in_future'
            when prediction_id is null and (request_id is null or item_id is null)
                then 'label_without_key'
            when {{ is_not_finite('actual_value') }} then 'actual_value_not_finite'
        end as quarantine_reason
    from typed

)

select
    *,
    case
        when quarantine_reason not in ('labeled_at_too_early', 'labeled_at_in_future')
            or quarantine_reason is null
            then {{ to_date('labeled_at') }}
    end as label_date
from classified
