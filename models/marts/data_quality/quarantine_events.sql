-- Event rows that cannot be used, each with its reason.
--
-- A view, not a table: nothing to rebuild nightly, and always the current
-- quarantine (its rows have no day to be incremental on when their
-- timestamp is the reason).

{{ config(materialized='view') }}

select
    event_id,
    user_id,
    event_type,
    occurred_at,
    model_name,
    value,
    quarantine_reason
from {{ ref('base_raw__events') }}
where quarantine_reason is not null
