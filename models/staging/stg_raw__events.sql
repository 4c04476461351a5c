-- One row per event_id (earliest valid delivery). Unknown event types are
-- kept and flagged, not dropped: the business marts count them.

select
    event_id,
    user_id,
    session_id,
    model_name,
    request_id,
    item_id,
    event_type,
    properties,
    value,
    occurred_at,
    event_date,
    event_type in (
        'session_start', 'session_end', 'impression', 'click',
        'conversion', 'support_ticket', 'rating', 'signup'
    ) as is_known_event_type
from {{ ref('base_raw__events') }}
where quarantine_reason is null and delivery_rank = 1
