-- The business layer (contract section 3, layer `business`) per day × scope
-- × segment, with the `__all__` rollup over segments. Scope is
-- `__product__` (every event) or the AI feature (`model_name`) the events are
-- attributed to; a feature's scope also holds the session_start/session_end
-- events of the sessions it acted in, so its session metrics describe the
-- sessions that used it. Segments follow int_events_attributed.
-- HEART/AARRR grouping and the definitions are in _business__docs.md.
--
-- Incremental by metric_date, but a day's retention, activation and return
-- rate read other days: d1/d7 retention and activation of day d change
-- until d + 1 and d + 7 have arrived, the return rate reads d - 1. So a
-- run recomputes every metric day whose inputs can have changed
-- (business_metric_days(): each changed event day d and d - 7, d - 1,
-- d + 1) and reads the events of those days and of their follow-up days
-- (business_input_days()), never the whole history. A session is scoped to
-- a model through its events on the days read (sessions do not span more
-- than a day).

{{ config(**incremental_by_day()) }}

{%- set reasons = var('ticket_reasons') %}
{%- set metric_days = business_metric_days() %}
{%- set input_days = business_input_days() %}

with

events as (

    select * from {{ ref('int_events_attributed') }}
    where {{ incremental_day_filter('metric_date', days=input_days) }}

),

observed_until as (

    -- retention and activation are reported once their follow-up day exists
    select max(metric_date) as last_event_date from {{ ref('int_events_attributed') }}

),

session_models as (

    select distinct
        session_id,
        model_name
    from events
    where session_id is not null and model_name is not null

),

scoped as (

    select
        '__product__' as scope_model,
        event_id,
        user_id,
        session_id,
        event_type,
        is_known_event_type,
        value,
        occurred_at,
        event_date,
        segment,
        ticket_reason,
        signed_up_at,
        signup_date
    from events

    union all

    select
        model_name as scope_model,
        event_id,
        user_id,
        session_id,
        event_type,
        is_known_event_type,
        value,
        occurred_at,
        event_date,
        segment,
        ticket_reason,
        signed_up_at,
        signup_date
    from events
    where model_name is not null

    union all

    select
        session_models.model_name as scope_model,
        events.event_id,
        events.user_id,
        events.session_id,
        events.event_type,
        events.is_known_event_type,
        events.value,
        events.occurred_at,
        events.event_date,
        events.segment,
        events.ticket_reason,
        events.signed_up_at,
        events.signup_date
    from events
    inner join session_models
        on events.session_id = session_models.session_id
    where
        events.model_name is null
        and events.event_type in ('session_start', 'session_end')

),

counts as (

    select
        event_date as metric_date,
        scope_model as model_name,
        '__all__' as model_version,
        {{ rollup_key('segment') }} as segment,

        ---------- volumes
        count(*) as n_events,
        sum(case when is_known_event_type then 0 else 1 end) as unknown_event_types,
        count(distinct user_id) as daily_active_users,
        count(distinct case when event_date = signup_date then user_id end) as new_users,

        ---------- sessions
        count(distinct case when event_type = 'session_start' then session_id end) as n_sessions,
        sum(case when event_type = 'session_end' and value is not null then 1 else 0 end)
            as n_timed_sessions,
        {{ exact_sum("case when event_type = 'session_end' then value end") }} as session_seconds,

        ---------- the funnel of ranked lists
        sum(case when event_type = 'impression' then 1 else 0 end) as impressions,
        sum(case when event_type = 'click' then 1 else 0 end) as clicks,
        sum(case when event_type = 'conversion' then 1 else 0 end) as conversions,
        coalesce({{ exact_sum("case when event_type = 'conversion' then value end") }}, 0) as revenue,

        ---------- satisfaction
        sum(case when event_type = 'support_ticket' then 1 else 0 end) as support_tickets,
        {%- for reason in reasons %}
        sum(case when ticket_reason = '{{ reason }}' then 1 else 0 end) as tickets_{{ reason }},
        {%- endfor %}
        sum(case when event_type = 'rating' and value is not null then 1 else 0 end) as n_ratings,
        {{ exact_sum("case when event_type = 'rating' then value end") }} as rating_sum

    from scoped
    group by grouping sets (
        (event_date, scope_model, segment),
        (event_date, scope_model)
    )

),

activity as (

    -- one row per user, day, scope and segment they were active in
    select distinct
        event_date,
        scope_model,
        segment,
        user_id,
        signed_up_at,
        signup_date
    from scoped
    where user_id is not null

),

active_days as (

    -- one row per user, day and scope: the 1:1 side of the follow-up joins
    select distinct
        event_date,
        scope_model,
        user_id
    from activity

),

cohorts as (

    -- users active on their signup day, with whether they came back
    select
        activity.event_date,
        activity.scope_model,
        activity.segment,
        activity.user_id,
        case when day_1.user_id is null then 0 else 1 end as is_back_day_1,
        case when day_7.user_id is null then 0 else 1 end as is_back_day_7
    from activity
    left join active_days as day_1
        on
            activity.user_id = day_1.user_id
            and activity.scope_model = day_1.scope_model
            and day_1.event_date = cast({{ dbt.dateadd('day', 1, 'activity.event_date') }} as date)
    left join active_days as day_7
        on
            activity.user_id = day_7.user_id
            and activity.scope_model = day_7.scope_model
            and day_7.event_date = cast({{ dbt.dateadd('day', 7, 'activity.event_date') }} as date)
    where activity.event_date = activity.signup_date

),

retention as (

    select
        event_date as metric_date,
        scope_model as model_name,
        {{ rollup_key('segment') }} as segment,
        count(distinct user_id) as cohort_size,
        count(distinct case when is_back_day_1 = 1 then user_id end) as back_day_1,
        count(distinct case when is_back_day_7 = 1 then user_id end) as back_day_7
    from cohorts
    group by grouping sets (
        (event_date, scope_model, segment),
        (event_date, scope_model)
    )

),

follow_ups as (

    -- yesterday's active users, with whether they are active today
    select
        cast({{ dbt.dateadd('day', 1, 'activity.event_date') }} as date) as metric_date,
        activity.scope_model,
        activity.segment,
        activity.user_id,
        case when today.user_id is null then 0 else 1 end as is_back
    from activity
    left join active_days as today
        on
            activity.user_id = today.user_id
            and activity.scope_model = today.scope_model
            and today.event_date = cast({{ dbt.dateadd('day', 1, 'activity.event_date') }} as date)

),

return_rates as (

    select
        metric_date,
        scope_model as model_name,
        {{ rollup_key('segment') }} as segment,
        count(distinct user_id) as previous_day_users,
        count(distinct case when is_back = 1 then user_id end) as returned_users
    from follow_ups
    group by grouping sets (
        (metric_date, scope_model, segment),
        (metric_date, scope_model)
    )

),

first_ai_use as (

    -- when each user first used any AI feature at or after signing up (an
    -- event attributed to a model; a support ticket about one is not a use)
    select
        user_id,
        min(occurred_at) as first_used_at
    from events
    where
        model_name is not null
        and event_type <> 'support_ticket'
        and user_id is not null
        and occurred_at >= signed_up_at
    group by user_id

),

activation_rows as (

    -- the day's new users, with whether they used an AI feature within 24 hours
    select
        activity.event_date,
        activity.segment,
        activity.user_id,
        case
            when first_ai_use.first_used_at < {{ dbt.dateadd('day', 1, 'activity.signed_up_at') }}
                then 1
            else 0
        end as is_activated
    from activity
    left join first_ai_use
        on activity.user_id = first_ai_use.user_id
    where activity.scope_model = '__product__' and activity.event_date = activity.signup_date

),

activation as (

    select
        event_date as metric_date,
        '__product__' as model_name,
        {{ rollup_key('segment') }} as segment,
        count(distinct user_id) as activation_cohort_size,
        count(distinct case when is_activated = 1 then user_id end) as activated_users
    from activation_rows
    group by grouping sets ((event_date, segment), (event_date))

),

final as (

    select
        counts.metric_date,
        counts.model_name,
        counts.model_version,
        counts.segment,

        ---------- volumes (sample sizes)
        counts.n_events,
        counts.daily_active_users,
        counts.n_sessions,
        counts.n_timed_sessions,
        counts.impressions,
        counts.clicks,
        counts.conversions,
        counts.revenue,
        counts.support_tickets,
        counts.n_ratings,
        coalesce(retention.cohort_size, 0) as cohort_size,
        coalesce(return_rates.previous_day_users, 0) as previous_day_users,
        coalesce(activation.activation_cohort_size, 0) as activation_cohort_size,

        ---------- engagement
        {{ safe_divide('counts.n_sessions', 'counts.daily_active_users') }} as sessions_per_user,
        {{ safe_divide('counts.session_seconds', 'counts.n_timed_sessions') }} as avg_session_seconds,
        {{ safe_divide('counts.clicks', 'counts.impressions') }} as ctr,

        ---------- task success and revenue
        {{ safe_divide('counts.conversions', 'counts.impressions') }} as conversion_rate,
        {{ safe_divide('counts.revenue', 'counts.daily_active_users') }} as revenue_per_user,

        ---------- happiness
        {{ safe_divide('1000.0 * counts.support_tickets', 'counts.daily_active_users') }}
            as support_tickets_per_1k_users,
        {%- for reason in reasons %}
        {{ safe_divide('1000.0 * counts.tickets_' ~ reason, 'counts.daily_active_users') }}
            as support_tickets_per_1k_users_{{ reason }},
        {%- endfor %}
        {{ safe_divide('counts.rating_sum', 'counts.n_ratings') }} as avg_rating,

        ---------- adoption and acquisition
        counts.new_users,
        case
            when cast({{ dbt.dateadd('day', 1, 'counts.metric_date') }} as date) <= observed_until.last_event_date
                then {{ safe_divide('activation.activated_users', 'activation.activation_cohort_size') }}
        end as activation_rate,

        ---------- retention (null until the follow-up day has been observed)
        case
            when cast({{ dbt.dateadd('day', 1, 'counts.metric_date') }} as date) <= observed_until.last_event_date
                then {{ safe_divide('retention.back_day_1', 'retention.cohort_size') }}
        end as d1_retention,
        case
            when cast({{ dbt.dateadd('day', 7, 'counts.metric_date') }} as date) <= observed_until.last_event_date
                then {{ safe_divide('retention.back_day_7', 'retention.cohort_size') }}
        end as d7_retention,
        {{ safe_divide('return_rates.returned_users', 'return_rates.previous_day_users') }}
            as return_rate,

        ---------- data quality of the event stream
        counts.unknown_event_types

    from counts
    cross join observed_until
    left join retention
        on
            counts.metric_date = retention.metric_date
            and counts.model_name = retention.model_name
            and counts.segment = retention.segment
    left join return_rates
        on
            counts.metric_date = return_rates.metric_date
            and counts.model_name = return_rates.model_name
            and counts.segment = return_rates.segment
    left join activation
        on
            counts.metric_date = activation.metric_date
            and counts.model_name = activation.model_name
            and counts.segment = activation.segment

)

select * from final
where {{ incremental_day_filter('metric_date', days=metric_days) }}
