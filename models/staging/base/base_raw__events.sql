-- Every delivered event, typed, with the reason it cannot be used and its
-- delivery order among rows sharing its event_id. Empty-string keys count as
-- null. Unknown event types are not a reason: they are kept and reported.

with

source as (

    select * from {{ source('raw', 'events') }}
    where {{ as_of_filter('cast(occurred_at as timestamp)') }}

),

typed as (

    select
        ---------- ids
        nullif(cast(event_id as string), '') as event_id,
        nullif(cast(user_id as string), '') as user_id,
        nullif(cast(session_id as string), '') as session_id,
        nullif(cast(model_name as string), '') as model_name,
        nullif(cast(request_id as string), '') as request_id,
        nullif(cast(item_id as string), '') as item_id,

        ---------- strings
        nullif(cast(event_type as string), '') as event_type,
        cast(properties as string) as properties,

        ---------- numbers
        cast(value as double) as value,

        ---------- timestamps
        cast(occurred_at as timestamp) as occurred_at

    from source

),

classified as (

    select
        *,
        case
            when event_id is null then 'null_event_id'
            when event_type is null then 'null_event_type'
            when occurred_at is null then 'null_occurred_at'
            when occurred_at < cast('{{ var("earliest_valid_timestamp") }}' as timestamp)
                then 'occurred_at_too_early'
            when occurred_at > {{ latest_valid_timestamp() }} then 'occurred_at_in_future'
            when {{ is_not_finite('value') }} then 'value_not_finite'
            -- the contract's domains of an event's value
            when event_type = 'rating' and (value is null or value < 1 or value > 5)
                then 'rating_out_of_range'
            when event_type = 'conversion' and value < 0 then 'conversion_value_negative'
            when event_type = 'session_end' and value < 0 then 'session_seconds_negative'
        end as quarantine_reason
    from typed

)

select
    *,
    case
        when quarantine_reason not in ('occurred_at_too_early', 'occurred_at_in_future')
            or quarantine_reason is null
            then {{ to_date('occurred_at') }}
    end as event_date,
    row_number() over (
        partition by event_id, case when quarantine_reason is null then 0 else 1 end
        order by
            {%- for column in ['occurred_at', 'event_type', 'user_id', 'value', 'properties'] %}
            {{ column }} asc nulls last{{ ',' if not loop.last }}
            {%- endfor %}
    ) as delivery_rank
from classified
