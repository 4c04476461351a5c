{#-
    Two CTEs for the labels in the CTE named `labels`: delivered_ids (one
    row per delivered id they name: whether any delivery was accepted, and
    the model and task of the accepted ones; a label for an id seen only in
    quarantine is not an orphan) and served_requests (the model of each
    served ranking request their judgments name). Semi-joined on the labels'
    keys, so only those predictions are grouped. The one lookup of
    stg_raw__label_deliveries and quarantine_labels.
-#}
{% macro label_prediction_lookups(labels='labels') -%}
delivered_ids as (

    select
        prediction_id,
        min(case when quarantine_reason is null then model_name end) as model_name,
        min(case when quarantine_reason is null then task_type end) as task_type,
        max(case when quarantine_reason is null then 1 else 0 end) as is_accepted
    from {{ ref('base_raw__predictions') }}
    where prediction_id in (select {{ labels }}.prediction_id from {{ labels }})
    group by prediction_id

),

served_requests as (

    select
        request_id,
        min(model_name) as model_name
    from {{ ref('base_raw__predictions') }}
    where quarantine_reason is null and task_type = 'ranking'
        and request_id in (
            select {{ labels }}.request_id from {{ labels }}
            where {{ labels }}.prediction_id is null
        )
    group by request_id

)
{%- endmacro %}
