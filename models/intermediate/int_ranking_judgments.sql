-- The current relevant judgments (relevance > 0) of ranking requests, with
-- their position in the ideal list (descending grade): the relevant items a
-- list should have served, whether it did or not.

with

judgments as (

    select
        request_id,
        item_id,
        actual_value as relevance
    from {{ ref('stg_raw__labels') }}
    where label_kind = 'ranking_judgment' and actual_value > 0

)

select
    request_id,
    item_id,
    relevance,
    row_number() over (partition by request_id order by relevance desc, item_id asc) as ideal_position
from judgments
