-- Binary-classification predictions with an integer label (1 positive,
-- 0 negative, null while unlabeled): the one input of every
-- classification mart, so all of them count the same rows.

select
    prediction_id,
    metric_date,
    model_name,
    model_version,
    segment,
    score,
    threshold,
    predicted_label,
    latency_ms,
    is_labeled,
    case when is_labeled then cast(actual_value as integer) end as label
from {{ ref('int_predictions_labeled') }}
where task_type = 'binary_classification'
