-- Every delivered feature value, typed, with the reason it cannot be used
-- (null when it can) and its delivery order among rows for the same
-- (prediction_id, feature_name): a re-delivered value is superseded, the
-- first one (lowest value, deterministic) is kept.

with

source as (

    select * from {{ source('raw', 'prediction_features') }}

),

delivered_ids as (

    select prediction_id
    from {{ ref('base_raw__predictions') }}
    where prediction_id is not null
    group by prediction_id

),

typed as (

    select
        ---------- ids
        nullif(cast(prediction_id as string), '') as prediction_id,

        ---------- strings
        nullif(cast(feature_name as string), '') as feature_name,
        cast(category_value as string) as category_value,

        ---------- numbers
        cast(numeric_value as double) as numeric_value

    from source

),

classified as (

    select
        typed.*,
        case
            when typed.prediction_id is null then 'feature_null_prediction_id'
            when typed.feature_name is null then 'feature_null_name'
            when {{ is_not_finite('typed.numeric_value') }} then 'feature_value_not_finite'
            when delivered_ids.prediction_id is null then 'feature_orphan'
        end as quarantine_reason
    from typed
    left join delivered_ids
        on typed.prediction_id = delivered_ids.prediction_id

)

select
    *,
    row_number() over (
        partition by
            case when quarantine_reason is null then 0 else 1 end,
            prediction_id, feature_name
        order by
            numeric_value asc nulls last,
            category_value asc nulls last
    ) as delivery_rank
from classified
