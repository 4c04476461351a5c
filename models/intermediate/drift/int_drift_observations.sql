-- Every value drift is measured on, one row per (prediction, feature): the
-- numeric and categorical inputs from prediction_features, and the model's
-- own output as feature `__prediction__` (score for classification and
-- ranking, predicted_value for regression). A row is numeric when it has a
-- finite numeric_value, categorical when it has only a category_value.
--
-- Incremental by metric_date: a night writes the rows of the days it
-- recomputes (incremental_days), never the history. The stored days stay
-- for what reads them later: a drift mart recomputing a day whose
-- reference changed, and a reference table computing a new reference.

{{ config(**incremental_by_day({'writes_days': 'incremental_days'})) }}

{#- The predictions of the recomputed days, read twice below: inlined
    (DuckDB materializes a CTE read more than once, which wrote every row
    once more). -#}
{%- set predictions %}
    select
        prediction_id,
        model_name,
        model_version,
        segment,
        task_type,
        metric_date,
        score,
        predicted_value
    from {{ ref('stg_raw__predictions') }}
    where {{ incremental_day_filter('metric_date') }}
{%- endset %}

with

features as (

    select * from {{ ref('stg_raw__prediction_features') }}
    where {{ incremental_day_filter('metric_date') }}

),

feature_rows as (

    select
        predictions.model_name,
        predictions.model_version,
        predictions.segment,
        predictions.metric_date,
        features.feature_name,
        case when features.numeric_value is not null then 'numeric' else 'categorical' end as feature_kind,
        features.numeric_value,
        case when features.numeric_value is null then features.category_value end as category_value
    from features
    inner join ({{ predictions }}) as predictions
        on
            features.prediction_id = predictions.prediction_id
            and features.metric_date = predictions.metric_date
    where
        (features.numeric_value is not null and not {{ is_not_finite('features.numeric_value') }})
        or (features.numeric_value is null and features.category_value is not null)

),

prediction_rows as (

    select
        model_name,
        model_version,
        segment,
        metric_date,
        '__prediction__' as feature_name,
        'numeric' as feature_kind,
        case when task_type = 'regression' then predicted_value else score end as numeric_value,
        cast(null as string) as category_value
    from ({{ predictions }}) as predictions
    where task_type in ('binary_classification', 'ranking', 'regression')

)

select * from feature_rows
union all
select * from prediction_rows
where numeric_value is not null and not {{ is_not_finite('numeric_value') }}
