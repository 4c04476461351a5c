-- Model inputs, long format, one row per (prediction, feature).

with

source as (

    select * from {{ source('raw', 'prediction_features') }}

),

renamed as (

    select
        ---------- ids
        cast(prediction_id as string) as prediction_id,

        ---------- strings
        cast(feature_name as string) as feature_name,
        cast(category_value as string) as category_value,

        ---------- numbers
        cast(numeric_value as double) as numeric_value

    from source

)

select * from renamed
