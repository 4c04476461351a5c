-- Users, for cohorts (signup day) and acquisition channels.

with

source as (

    select * from {{ source('raw', 'users') }}

),

renamed as (

    select
        ---------- ids
        cast(user_id as string) as user_id,

        ---------- strings
        cast(acquisition_channel as string) as acquisition_channel,

        ---------- timestamps
        cast(signed_up_at as timestamp) as signed_up_at

    from source

)

select * from renamed
