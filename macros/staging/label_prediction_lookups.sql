{#-
    Two CTEs for the labels in the CTE named `labels`: delivered_ids (one
    row per delivered id they name: whether any delivery was accepted, and
    the model and task of the accepted ones; a label for an id seen only in
    quarantine is not an orphan) and served_requests (the model of each
    served ranking request their judgments name). Semi-joined on the labels'
    keys, so only those predictions are grouped; every_prediction: for every
    delivered id and served request instead, when the labels are every
    label there is (a build from scratch: the semi-joins would keep nearly
    every row, and read `labels` twice more). The one lookup of
    stg_raw__label_deliveries and quarantine_labels.

    An id delivered once (nearly every id) is that delivery; only ids
    delivered more than once, found by their hash, are grouped (9M
    predictions, 8M labels: a group-by over every id was 2.8 of 8.9 s CPU;
    a collision only groups a few more ids).
-#}
{% macro label_prediction_lookups(labels='labels', every_prediction=false) -%}
{%- set named %}
    select * from {{ ref('base_raw__predictions') }}
    {%- if not every_prediction %}
    where prediction_id in (select {{ labels }}.prediction_id from {{ labels }})
    {%- endif %}
{%- endset -%}
delivered_repeated as (

    select hash(named.prediction_id) as id_hash
    from ({{ named }}) as named
    group by hash(named.prediction_id)
    having count(*) > 1

),

delivered_ids as (

    select
        named.prediction_id,
        case when named.quarantine_reason is null then named.model_name end as model_name,
        case when named.quarantine_reason is null then named.task_type end as task_type,
        case when named.quarantine_reason is null then 1 else 0 end as is_accepted
    from ({{ named }}) as named
    where hash(named.prediction_id) not in (select delivered_repeated.id_hash from delivered_repeated)
    union all
    select
        named.prediction_id,
        min(case when named.quarantine_reason is null then named.model_name end) as model_name,
        min(case when named.quarantine_reason is null then named.task_type end) as task_type,
        max(case when named.quarantine_reason is null then 1 else 0 end) as is_accepted
    from ({{ named }}) as named
    where hash(named.prediction_id) in (select delivered_repeated.id_hash from delivered_repeated)
    group by named.prediction_id

),

served_requests as (

    select
        request_id,
        min(model_name) as model_name
    from {{ ref('base_raw__predictions') }}
    where quarantine_reason is null and task_type = 'ranking'
    {%- if not every_prediction %}
        and request_id in (
            select {{ labels }}.request_id from {{ labels }}
            where {{ labels }}.prediction_id is null
        )
    {%- endif %}
    group by request_id

)
{%- endmacro %}
