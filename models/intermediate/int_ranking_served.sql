-- Every served ranked list, one row per (request, item) in served order, with
-- the item's catalog facts and its judged relevance: the one input of the
-- ranking marts. ranx's run is the list ordered by `rank` (not by score, so
-- tied scores never reorder it); an item listed twice counts once, at its
-- best rank. A list's day, model, version and segment are those of its
-- first position.
--
-- Incremental by metric_date: a run reads the ranking predictions of the
-- days it recomputes (plus any row of the same lists delivered on another
-- day, so a list is always whole) and the judgments of those lists only.

{{ config(**incremental_by_day()) }}

with

in_days as (

    select * from {{ ref('stg_raw__predictions') }}
    where task_type = 'ranking'
        and {{ incremental_day_filter('metric_date') }}

),

{%- if is_incremental() %}

predictions as (

    select * from in_days
    union all
    select * from {{ ref('stg_raw__predictions') }}
    where task_type = 'ranking'
        and not {{ incremental_day_filter('metric_date') }}
        and request_id in (select in_days.request_id from in_days)

),

{%- else %}

predictions as (

    select * from in_days

),

{%- endif %}

first_listing as (

    select
        *,
        row_number() over (
            partition by request_id, item_id order by rank asc, prediction_id asc
        ) as listing_order
    from predictions

),

ordered as (

    select
        request_id,
        item_id,
        rank,
        row_number() over (partition by request_id order by rank asc, item_id asc) as position
    from first_listing
    where listing_order = 1

),

lists as (

    select
        request_id,
        max(case when is_exploration then 1 else 0 end) as is_exploration_list
    from predictions
    group by request_id

),

list_keys as (

    select
        predictions.request_id,
        predictions.metric_date,
        predictions.model_name,
        predictions.model_version,
        predictions.segment
    from predictions
    inner join ordered
        on
            predictions.request_id = ordered.request_id
            and predictions.item_id = ordered.item_id
            and predictions.rank = ordered.rank
            and ordered.position = 1
    -- one row even if the first item was re-listed at the same rank
    group by
        predictions.request_id,
        predictions.metric_date,
        predictions.model_name,
        predictions.model_version,
        predictions.segment

),

items as (

    select
        item_id,
        category,
        created_at,
        row_number() over (partition by item_id order by created_at asc nulls last, category asc) as item_order
    from {{ ref('stg_raw__items') }}

),

judgments as (

    select
        request_id,
        item_id,
        relevance
    from {{ ref('int_ranking_judgments') }}
    {%- if is_incremental() %}
    where request_id in (select predictions.request_id from predictions)
    {%- endif %}

),

joined as (

    select
        list_keys.metric_date,
        list_keys.model_name,
        list_keys.model_version,
        list_keys.segment,
        ordered.request_id,
        ordered.item_id,
        ordered.position,
        lists.is_exploration_list,
        coalesce(items.category, '__unknown__') as category,
        items.created_at,
        coalesce(judgments.relevance, 0.0) as relevance
    from ordered
    inner join list_keys
        on ordered.request_id = list_keys.request_id
    inner join lists
        on ordered.request_id = lists.request_id
    left join items
        on ordered.item_id = items.item_id and items.item_order = 1
    left join judgments
        on ordered.request_id = judgments.request_id and ordered.item_id = judgments.item_id

)

select
    *,
    sum(case when relevance > 0 then 1 else 0 end) over (
        partition by request_id order by position asc
        rows between unbounded preceding and current row
    ) as relevant_so_far
from joined
-- a list whose first position lies on a day not recomputed stays as stored
where {{ incremental_day_filter('metric_date') }}
