-- Label rows that cannot be used, each with its reason: malformed rows from
-- staging, and labels whose value the task cannot mean (a classification
-- label other than 0/1).

select
    prediction_id,
    request_id,
    item_id,
    actual_value,
    labeled_at,
    quarantine_reason
from {{ ref('base_raw__labels') }}
where quarantine_reason is not null

union all

select
    prediction_id,
    cast(null as string) as request_id,
    cast(null as string) as item_id,
    actual_value,
    labeled_at,
    label_quarantine_reason as quarantine_reason
from {{ ref('int_predictions_labeled') }}
where label_quarantine_reason is not null
