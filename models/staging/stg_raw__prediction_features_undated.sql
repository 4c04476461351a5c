-- Feature rows no dated prediction owns: null or orphan keys (reason
-- feature_orphan when the prediction was never delivered) and values of a
-- prediction delivered only without a valid timestamp. A view read by the
-- quarantine and the ledger totals on demand; never part of a night.

{{ config(materialized='view') }}

with

delivered as (

    select
        prediction_id,
        max(case when metric_date is not null then 1 else 0 end) as is_dated
    from {{ ref('base_raw__predictions') }}
    where prediction_id is not null
    group by prediction_id

),

undated as (

    select
        features.prediction_id,
        features.feature_name,
        features.category_value,
        features.numeric_value,
        case
            when features.quarantine_reason is not null then features.quarantine_reason
            when delivered.prediction_id is null then 'feature_orphan'
        end as quarantine_reason
    from {{ ref('base_raw__prediction_features') }} as features
    left join delivered
        on features.prediction_id = delivered.prediction_id
    where delivered.is_dated is null or delivered.is_dated = 0

)

select
    *,
    {{ feature_delivery_rank() }} as delivery_rank
from undated
