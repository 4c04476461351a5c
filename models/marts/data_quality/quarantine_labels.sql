-- Label rows that cannot be used, each with its reason (see
-- base_raw__labels): malformed rows, orphans, labels for quarantined
-- predictions or never-served ranking requests, and values the task cannot
-- mean (a classification label other than 0/1).
--
-- A view, not a table: nothing to rebuild nightly, and always the current
-- quarantine (its rows have no day to be incremental on when their
-- timestamp is the reason).

{{ config(materialized='view') }}

select
    prediction_id,
    request_id,
    item_id,
    model_name,
    actual_value,
    reference_text,
    labeled_at,
    quarantine_reason
from {{ ref('base_raw__labels') }}
where quarantine_reason is not null
