-- Each prediction (all tasks but ranking, whose labels are per judged item)
-- with its current label, if one has arrived. A label that cannot mean what
-- the task needs (a classification label other than 0/1) does not count as
-- a label: it is quarantined in quarantine_labels instead.
--
-- Incremental by metric_date: a run joins only the predictions of the days
-- it recomputes, and ranks only the labels of those predictions.

{{ config(**incremental_by_day({'writes_days': 'incremental_days'})) }}

with

predictions as (

    select * from {{ ref('stg_raw__predictions') }}
    where task_type <> 'ranking'
        and {{ incremental_day_filter('metric_date') }}

),

-- The valid labels of those predictions: a label the task cannot mean (a
-- classification label other than 0/1) is quarantined, never current.
label_rows as (

    select label_rows.*
    from {{ ref('base_raw__labels') }} as label_rows
    inner join predictions
        on label_rows.prediction_id = predictions.prediction_id
    where label_rows.quarantine_reason is null
        and label_rows.label_kind = 'prediction'
        and not (
            predictions.task_type = 'binary_classification'
            and (label_rows.actual_value is null or label_rows.actual_value not in (0, 1))
        )

),

labels as (

    select *
    from (
        select
            *,
            {{ label_recency_rank() }} as recency_rank
        from label_rows
    ) as ranked
    where recency_rank = 1

),

joined as (

    select
        predictions.*,
        labels.actual_value,
        labels.reference_text,
        labels.labeled_at,
        labels.prediction_id is not null as has_label_row
    from predictions
    left join labels
        on predictions.prediction_id = labels.prediction_id

)

select
    *,
    case
        when has_label_row and task_type = 'binary_classification'
            and actual_value not in (0, 1)
            then 'classification_label_not_binary'
    end as label_quarantine_reason,
    has_label_row and not (
        task_type = 'binary_classification' and actual_value not in (0, 1)
    ) as is_labeled
from joined
