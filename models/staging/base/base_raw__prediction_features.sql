-- Every delivered feature value, typed, with the reason it cannot be used
-- that the row itself shows (no key, no name, a NaN/±inf value). Row-level
-- only: whether its prediction exists, and which re-delivery is kept, are
-- decided where the row is placed on its prediction's day
-- (stg_raw__prediction_feature_deliveries) or found to have none
-- (stg_raw__prediction_features_undated), so a night never joins the whole
-- feature history against every prediction.

with

source as (

    select * from {{ source('raw', 'prediction_features') }}

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

)

select
    *,
    case
        when prediction_id is null then 'feature_null_prediction_id'
        when feature_name is null then 'feature_null_name'
        when {{ is_not_finite('numeric_value') }} then 'feature_value_not_finite'
    end as quarantine_reason
from typed
