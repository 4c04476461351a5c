-- Label rows that cannot be used, each with its reason (see
-- stg_raw__label_deliveries): malformed rows, orphans, labels for
-- quarantined predictions or never-served ranking requests, and values the
-- task cannot mean (a classification label other than 0/1); and the rows
-- without a valid labeled_at, which have no day to be classified on.
--
-- A view, not a table: nothing to rebuild nightly, and always the current
-- quarantine (its rows have no day to be incremental on when their
-- timestamp is the reason).

{{ config(materialized='view') }}

{%- set columns = [
    'prediction_id', 'request_id', 'item_id', 'model_name', 'actual_value',
    'reference_text', 'labeled_at', 'quarantine_reason',
] %}

with

undated as (

    select * from {{ ref('base_raw__labels') }}
    where label_date is null

),

-- the model of an undated label, as for a dated one: its accepted
-- prediction's, else its served request's
{{ label_prediction_lookups('undated') }}

select {{ columns | join(', ') }}
from {{ ref('stg_raw__label_deliveries') }}
where quarantine_reason is not null

union all

select
    undated.prediction_id,
    undated.request_id,
    undated.item_id,
    coalesce(delivered_ids.model_name, served_requests.model_name) as model_name,
    undated.actual_value,
    undated.reference_text,
    undated.labeled_at,
    undated.quarantine_reason
from undated
left join delivered_ids
    on undated.prediction_id = delivered_ids.prediction_id
left join served_requests
    on undated.prediction_id is null and undated.request_id = served_requests.request_id
