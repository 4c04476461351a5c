-- The catalog: what a recommender could have shown.

with

source as (

    select * from {{ source('raw', 'items') }}

),

renamed as (

    select
        ---------- ids
        cast(item_id as string) as item_id,

        ---------- strings
        cast(category as string) as category,

        ---------- timestamps
        cast(created_at as timestamp) as created_at

    from source

)

select * from renamed
