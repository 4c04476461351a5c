-- Every delivered label, typed, with the reason it cannot be used (null when
-- it can). Row-level only, so a semi-join on prediction_id reaches the
-- scan; the recency among labels for the same key (label_recency_rank:
-- labels arrive late and get revised, the latest labeled_at wins) is
-- computed where the labels are used.

with

source as (

    select * from {{ source('raw', 'labels') }}

),

typed as (

    select
        ---------- ids
        cast(prediction_id as string) as prediction_id,
        cast(request_id as string) as request_id,
        cast(item_id as string) as item_id,

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
            when prediction_id is null and (request_id is null or item_id is null)
                then 'label_without_key'
            when {{ is_not_finite('actual_value') }} then 'actual_value_not_finite'
        end as quarantine_reason
    from typed

)

select * from classified
