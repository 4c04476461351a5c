-- Feature rows that cannot be used, each with its reason: drift is never
-- computed from NaN/±inf values, null keys or features of a prediction that
-- was never delivered.
--
-- A view, not a table: nothing to rebuild nightly, and always the current
-- quarantine (its rows have no day to be incremental on when their
-- timestamp is the reason).

{{ config(materialized='view') }}

select
    prediction_id,
    feature_name,
    numeric_value,
    category_value,
    quarantine_reason
from {{ ref('base_raw__prediction_features') }}
where quarantine_reason is not null
