-- Feature rows that cannot be used, each with its reason: drift is never
-- computed from NaN/±inf values, null keys or features of a prediction that
-- was never delivered.
--
-- A view, not a table: nothing to rebuild nightly, and always the current
-- quarantine (its rows have no day to be incremental on when their
-- timestamp is the reason).

{{ config(materialized='view') }}

{%- set columns = ['prediction_id', 'feature_name', 'numeric_value', 'category_value', 'quarantine_reason'] %}

select {{ columns | join(', ') }}
from {{ ref('stg_raw__prediction_feature_deliveries') }}
where quarantine_reason is not null

union all

select {{ columns | join(', ') }}
from {{ ref('stg_raw__prediction_features_undated') }}
where quarantine_reason is not null
