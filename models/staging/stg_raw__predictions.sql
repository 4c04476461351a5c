-- One row per prediction_id: the earliest valid delivery (contract:
-- re-delivered duplicates are counted, never double-counted).

select
    prediction_id,
    model_name,
    model_version,
    task_type,
    user_id,
    request_id,
    item_id,
    segment,
    generated_text,
    score,
    threshold,
    rank,
    predicted_value,
    latency_ms,
    predicted_label,
    is_exploration,
    predicted_at,
    metric_date
from {{ ref('base_raw__predictions') }}
where quarantine_reason is null and delivery_rank = 1
