-- Prediction rows that cannot be used, each with its reason: nothing bad is
-- dropped silently, and source_reconciliation proves the counts add up.
--
-- A view, not a table: nothing to rebuild nightly, and always the current
-- quarantine (its rows have no day to be incremental on when their
-- timestamp is the reason).

{{ config(materialized='view') }}

select
    prediction_id,
    model_name,
    model_version,
    task_type,
    predicted_at,
    metric_date,
    segment,
    user_id,
    score,
    threshold,
    predicted_value,
    latency_ms,
    request_id,
    item_id,
    rank,
    quarantine_reason
from {{ ref('base_raw__predictions') }}
where quarantine_reason is not null
