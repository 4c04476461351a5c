-- Every value drift is measured on, one row per (prediction, feature): the
-- numeric and categorical inputs from prediction_features, and the model's
-- own output as feature `__prediction__` (score for classification and
-- ranking, predicted_value for regression). A row is numeric when it has a
-- finite numeric_value, categorical when it has only a category_value.
--
-- A view over the two per-prediction tables, not a table of its own:
-- stg_raw__prediction_feature_deliveries already places each feature row
-- on its prediction's day with the model of the prediction's kept delivery
-- (accepted_model_name, null when it has none), so no join is left here,
-- and writing every observation once more (36M rows at 9M predictions) was
-- one of the backfill's largest costs. A reader filtering metric_date (a
-- drift mart's days, a reference's days) scans only those days of both
-- tables; the stored days stay for a drift mart recomputing a day whose
-- reference changed and a reference table computing a new reference.

{{ config(materialized='view') }}

with

feature_rows as (

    select
        accepted_model_name as model_name,
        metric_date,
        feature_name,
        case when numeric_value is not null then 'numeric' else 'categorical' end as feature_kind,
        numeric_value,
        case when numeric_value is null then category_value end as category_value
    from {{ ref('stg_raw__prediction_feature_deliveries') }}
    where
        quarantine_reason is null
        and delivery_rank = 1
        and accepted_model_name is not null
        and (
            (numeric_value is not null and not {{ is_not_finite('numeric_value') }})
            or (numeric_value is null and category_value is not null)
        )

),

prediction_rows as (

    select
        model_name,
        metric_date,
        '__prediction__' as feature_name,
        'numeric' as feature_kind,
        case when task_type = 'regression' then predicted_value else score end as numeric_value,
        cast(null as string) as category_value
    from {{ ref('stg_raw__predictions') }}
    where task_type in ('binary_classification', 'ranking', 'regression')

)

select * from feature_rows
union all
select * from prediction_rows
where numeric_value is not null and not {{ is_not_finite('numeric_value') }}
