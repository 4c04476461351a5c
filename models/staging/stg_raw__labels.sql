-- The current label per key: one per prediction_id, or one per
-- (request_id, item_id) judgment for ranking.

select
    label_kind,
    prediction_id,
    request_id,
    item_id,
    reference_text,
    actual_value,
    labeled_at
from {{ ref('base_raw__labels') }}
where quarantine_reason is null and recency_rank = 1
