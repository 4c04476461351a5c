-- The event days whose stored attribution (int_events_attributed) holds a
-- user segment that is no longer the user's segment: a user's segment is
-- the one most of their predictions were served under, over all history,
-- so new predictions can move it and restate the user's older events.
-- Only users with a prediction on a day this run recomputes can have
-- moved (predictions arrive on recent days; late labels bring none), so
-- the scan is their predictions and their stored events. Empty on the
-- first run and on --full-refresh (everything is rebuilt). Read by the
-- macro business_event_days(); built before int_events_attributed
-- overwrites the stored rows.
--
-- Appended to, with the number of complete runs so far (rows of
-- mpm_state.incremental_state): business_event_days() reads the days
-- found since the last complete run. A run killed after
-- int_events_attributed re-attributed a day, but before the business mart
-- recomputed it, leaves the day listed, so the re-run still recomputes it.

{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns') }}

-- depends_on: {{ ref('stg_raw__predictions') }}
-- depends_on: {{ ref('stg_mpm__recompute_days') }}

{%- set ns = namespace(stored=none) %}
{%- set completed_runs = incremental_completed_runs() %}
{%- if execute and not flags.FULL_REFRESH %}
    {#- Not ref(): int_events_attributed depends on this model. #}
    {%- set node = graph.nodes.values() | selectattr('name', 'equalto', 'int_events_attributed') | first %}
    {%- set ns.stored = adapter.get_relation(node.database, node.schema, node.alias) %}
{%- endif %}

{%- if ns.stored is none %}

select
    metric_date,
    {{ completed_runs }} as completed_runs
from {{ ref('stg_mpm__recompute_days') }}
where 1 = 0

{%- else %}

with

moved_users as (

    select distinct user_id
    from {{ ref('stg_raw__predictions') }}
    where user_id is not null
        and metric_date in (select recompute.metric_date from {{ ref('stg_mpm__recompute_days') }} as recompute)

),

user_segment_counts as (

    select
        user_id,
        segment,
        count(*) as n_predictions
    from {{ ref('stg_raw__predictions') }}
    where segment is not null
        and user_id in (select moved_users.user_id from moved_users)
    group by user_id, segment

),

current_segments as (

    select
        user_id,
        segment as user_segment
    from (
        select
            user_id,
            segment,
            row_number() over (
                partition by user_id order by n_predictions desc, segment asc
            ) as segment_rank
        from user_segment_counts
    ) as ranked
    where segment_rank = 1

),

stored as (

    select
        metric_date,
        user_id,
        user_segment
    from {{ ns.stored }}
    where request_segment is null
        and user_id in (select moved_users.user_id from moved_users)

)

select distinct
    stored.metric_date,
    {{ completed_runs }} as completed_runs
from stored
left join current_segments
    on stored.user_id = current_segments.user_id
where coalesce(stored.user_segment, '') <> coalesce(current_segments.user_segment, '')

{%- endif %}
