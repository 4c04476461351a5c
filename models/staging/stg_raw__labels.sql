-- The current label per key: one per prediction_id, or one per
-- (request_id, item_id) judgment for ranking. A view over the classified
-- label rows; the incremental int_predictions_labeled ranks only the labels
-- of the predictions it recomputes, with the same label_recency_rank.

with

ranked as (

    select
        *,
        {{ label_recency_rank() }} as recency_rank
    from {{ ref('stg_raw__label_deliveries') }}
    where quarantine_reason is null

)

select
    label_kind,
    prediction_id,
    request_id,
    item_id,
    reference_text,
    actual_value,
    labeled_at
from ranked
where recency_rank = 1
