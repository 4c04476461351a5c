-- Model inputs, long format, one row per (prediction, feature): usable rows
-- only (NaN/±inf values, null keys and orphans are in
-- quarantine_prediction_features), one value per key.

select
    prediction_id,
    feature_name,
    category_value,
    numeric_value
from {{ ref('base_raw__prediction_features') }}
where quarantine_reason is null and delivery_rank = 1
