-- Every delivered label with a day (labeled_at's, as metric_date), with the
-- model it belongs to and its full quarantine reason: the row's own, else
-- whether it points at an accepted prediction (or, for ranking, a served
-- request) and carries a value the task can mean. The one place label rows
-- meet predictions; the ledger, the data-quality counts and
-- stg_raw__labels read it.
--
-- Incremental by metric_date over incremental_days_with_labels(): a night
-- classifies the label rows of its days only, looking up just the
-- predictions and requests they name (a semi-join, not a pass that groups
-- every prediction). A label stored as an orphan because it arrived before
-- its prediction is re-classified when its day is recomputed (within the
-- lookback, or on --full-refresh).

{{ config(**incremental_by_day()) }}

{%- set days = incremental_days_with_labels() %}

with

labels as (

    select * from {{ ref('base_raw__labels') }}
    where label_date is not null
        and {{ day_list_filter(days, 'label_date', 'labeled_at') }}

),

{{ label_prediction_lookups('labels', every_prediction=days is none) }},

classified as (

    select
        labels.label_kind,
        labels.prediction_id,
        labels.request_id,
        labels.item_id,
        labels.reference_text,
        labels.actual_value,
        labels.labeled_at,
        labels.label_date as metric_date,
        coalesce(delivered_ids.model_name, served_requests.model_name) as model_name,
        case
            when labels.quarantine_reason is not null then labels.quarantine_reason
            when labels.prediction_id is not null and delivered_ids.prediction_id is null
                then 'orphan_label'
            when labels.prediction_id is not null and delivered_ids.is_accepted = 0
                then 'label_for_quarantined_prediction'
            when labels.prediction_id is null and served_requests.request_id is null
                then 'label_for_unserved_request'
            when delivered_ids.task_type = 'binary_classification'
                and (labels.actual_value is null or labels.actual_value not in (0, 1))
                then 'classification_label_not_binary'
        end as quarantine_reason
    from labels
    left join delivered_ids
        on labels.prediction_id = delivered_ids.prediction_id
    left join served_requests
        on labels.prediction_id is null and labels.request_id = served_requests.request_id

)

select * from classified
