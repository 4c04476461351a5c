-- Event rows that cannot be used, each with its reason.

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
