-- Every staged event (unknown types included) with the segment it is
-- reported under, its ticket reason and its user's signup day: the single
-- input of the business marts, so every business metric counts the same rows.
--
-- Segment rule (events carry no segment): an event tied to a ranked list
-- (request_id served in predictions) takes that list's segment; otherwise the
-- user's segment, the one most of their predictions were served under (ties:
-- alphabetically first); otherwise `unknown`. Both lookups are aggregated to
-- one row per key before the join, so the joins cannot fan out (tested).
--
-- Incremental by metric_date (= event_date) over business_event_days():
-- the days incremental_days() recomputes plus the days of stored events
-- whose user's segment has moved since (stg_mpm__segment_changed_days): a
-- user's segment depends on all their predictions, so it is looked up for
-- the users of the recomputed events only, and the lists' segments for
-- their request_ids only.

{{ config(**incremental_by_day()) }}

{%- set days = business_event_days() %}

with

events as (

    select * from {{ ref('stg_raw__events') }}
    where {{ incremental_day_filter('event_date', 'occurred_at', days=days) }}

),

predictions as (

    select * from {{ ref('stg_raw__predictions') }}

),

request_segments as (

    -- a ranked list is served to one segment; min() keeps one row per request
    select
        request_id,
        min(coalesce(segment, 'unknown')) as request_segment
    from predictions
    where request_id is not null
    {%- if days is not none %}
        and request_id in (select events.request_id from events)
    {%- endif %}
    group by request_id

),

user_segment_counts as (

    select
        user_id,
        segment,
        count(*) as n_predictions
    from predictions
    where user_id is not null and segment is not null
    {%- if days is not none %}
        and user_id in (select events.user_id from events)
    {%- endif %}
    group by user_id, segment

),

user_segments_ranked as (

    select
        user_id,
        segment,
        row_number() over (
            partition by user_id order by n_predictions desc, segment asc
        ) as segment_rank
    from user_segment_counts

),

user_segments as (

    select
        user_id,
        segment as user_segment
    from user_segments_ranked
    where segment_rank = 1

),

users as (

    -- one row per user: the earliest signup if a user was delivered twice
    select
        user_id,
        min(signed_up_at) as signed_up_at
    from {{ ref('stg_raw__users') }}
    where user_id is not null
    {%- if days is not none %}
        and user_id in (select events.user_id from events)
    {%- endif %}
    group by user_id

),

final as (

    select
        events.event_date as metric_date,
        events.event_id,
        events.user_id,
        events.session_id,
        events.model_name,
        events.request_id,
        events.item_id,
        events.event_type,
        events.is_known_event_type,
        events.value,
        events.occurred_at,
        events.event_date,
        coalesce(request_segments.request_segment, user_segments.user_segment, 'unknown')
            as segment,
        -- both lookups as they were, to detect a moved user segment later
        request_segments.request_segment,
        user_segments.user_segment,
        case
            when events.event_type = 'support_ticket'
                then coalesce({{ json_extract_string('events.properties', 'reason') }}, 'unspecified')
        end as ticket_reason,
        users.signed_up_at,
        {{ to_date('users.signed_up_at') }} as signup_date
    from events
    left join request_segments
        on events.request_id = request_segments.request_id
    left join user_segments
        on events.user_id = user_segments.user_id
    left join users
        on events.user_id = users.user_id

)

select * from final
