-- Model inputs, long format, one row per (prediction, feature) on the
-- prediction's day: usable rows only (NaN/±inf values, null keys and
-- orphans are in quarantine_prediction_features), one value per key. A
-- view over the incremental placement, so a reader filtering metric_date
-- scans only those days.

{{ config(materialized='view') }}

select
    prediction_id,
    feature_name,
    category_value,
    numeric_value,
    metric_date,
    model_name
from {{ ref('stg_raw__prediction_feature_deliveries') }}
where quarantine_reason is null and delivery_rank = 1
