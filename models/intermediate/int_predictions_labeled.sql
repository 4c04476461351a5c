-- Each prediction (all tasks but ranking, whose labels are per judged item)
-- with its current label, if one has arrived. A label that cannot mean what
-- the task needs (a classification label other than 0/1) does not count as
-- a label: it is quarantined in quarantine_labels instead.
--
-- Incremental by metric_date: a run joins only the predictions of the days
-- it recomputes, and ranks only the labels of those predictions.

{#- DuckDB: no insertion order to keep (nothing reads these rows in order),
    which lets it write a night's millions of rows without holding them. -#}
{{ config(
    pre_hook=['set preserve_insertion_order = false'] if target.type == 'duckdb' else [],
    post_hook=['reset preserve_insertion_order'] if target.type == 'duckdb' else [],
    **incremental_by_day({'writes_days': 'incremental_days'})
) }}

{#- Inlined where read (DuckDB materializes a CTE read more than once, which
    wrote every row once more): the predictions of the recomputed days, and
    the valid prediction labels (of those predictions only, on a night). -#}
{%- set predictions %}
    select * from {{ ref('stg_raw__predictions') }}
    where task_type <> 'ranking'
        and {{ incremental_day_filter('metric_date') }}
{%- endset %}
{#- A single label the task cannot mean is no label (as for revised ones). -#}
{%- set usable -%}
    not (
        predictions.task_type = 'binary_classification'
        and (labels.actual_value is null or labels.actual_value not in (0, 1))
    )
{%- endset %}
{#- On a night (or a batch of a batched backfill) the labels of the
    recomputed days' predictions, found by the id's hash: the semi-join's
    hash table holds one integer per prediction instead of its id string,
    three times over (label_rows is inlined three times), which was the
    difference between 2.7 GiB and out of memory at 7M predictions a batch.
    A hash collision only lets a few labels of other predictions through;
    every use joins on the exact prediction_id. -#}
{%- set label_rows %}
    select * from {{ ref('base_raw__labels') }}
    where quarantine_reason is null
        and label_kind = 'prediction'
        {%- if is_incremental() %}
        and hash(prediction_id) in (
            select hash(predictions.prediction_id) from ({{ predictions }}) as predictions
        )
        {%- endif %}
{%- endset %}

with

-- Predictions labeled more than once (revisions): only their labels need
-- ordering; every other prediction has at most one label row, its current
-- one when its task can mean it. 9M predictions, 8M labels: the window over
-- every label was 12 of 39 s CPU. Found by their hash (an integer to
-- group; a collision only sends a few more rows through the window).
repeated_ids as (

    select hash(label_rows.prediction_id) as id_hash
    from ({{ label_rows }}) as label_rows
    group by hash(label_rows.prediction_id)
    having count(*) > 1

),

-- The current label of a prediction labeled more than once: a label the
-- task cannot mean (a classification label other than 0/1) is quarantined,
-- never current, so it is left out before ranking.
revised_labels as (

    select *
    from (
        select
            *,
            {{ label_recency_rank() }} as recency_rank
        from (
            select label_rows.*
            from ({{ label_rows }}) as label_rows
            inner join ({{ predictions }}) as predictions
                on label_rows.prediction_id = predictions.prediction_id
            where hash(label_rows.prediction_id) in (select repeated_ids.id_hash from repeated_ids)
                and not (
                    predictions.task_type = 'binary_classification'
                    and (label_rows.actual_value is null or label_rows.actual_value not in (0, 1))
                )
        ) as revisions
    ) as ranked
    where recency_rank = 1

),

labels as (

    select
        label_rows.prediction_id,
        label_rows.actual_value,
        label_rows.reference_text,
        label_rows.labeled_at
    from ({{ label_rows }}) as label_rows
    where hash(label_rows.prediction_id) not in (select repeated_ids.id_hash from repeated_ids)
    union all
    select
        prediction_id,
        actual_value,
        reference_text,
        labeled_at
    from revised_labels

),

joined as (

    select
        predictions.*,
        case when {{ usable }} then labels.actual_value end as actual_value,
        case when {{ usable }} then labels.reference_text end as reference_text,
        case when {{ usable }} then labels.labeled_at end as labeled_at,
        labels.prediction_id is not null and {{ usable }} as has_label_row
    from ({{ predictions }}) as predictions
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
