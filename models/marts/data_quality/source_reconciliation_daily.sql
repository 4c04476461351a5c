-- The ledger per source table and day: rows_in = rows_accepted +
-- rows_quarantined + rows_superseded, each row on the day of its own
-- timestamp (predictions: predicted_at, events: occurred_at, labels:
-- labeled_at, features: their prediction's day). Rows
-- that cannot be placed on a day (their timestamp is the reason they are
-- quarantined) are counted by source_reconciliation, the totals view.
--
-- Accepted predictions and events are counted where the metrics read them
-- (staging, built incrementally for predictions) and superseded rows
-- independently, from the keys whose kept row lies on the day (the
-- earliest valid delivery), so the ledger also proves that the incremental
-- staging lost or doubled nothing. Labels are accepted when they are their
-- key's latest valid revision, features when they are their key's kept
-- value (stg_raw__prediction_features).
--
-- Incremental by metric_date over incremental_days_with_labels(): a label
-- revision turns the key's older label from current into superseded on
-- that older label's own day, so those days are recomputed too.

{{ config(**incremental_by_day()) }}

{%- set days = incremental_days_with_labels() %}

with

---------- predictions
prediction_rows as (

    select
        prediction_id,
        metric_date,
        quarantine_reason
    from {{ ref('base_raw__predictions') }}
    where metric_date is not null
        and {{ incremental_day_filter('metric_date', 'predicted_at', days=days) }}

),

-- The valid deliveries of the keys counted: every one when built whole, else
-- those of the ids delivered on the days. Inlined where read (DuckDB
-- materializes a CTE read more than once).
{%- set valid_predictions %}
    select
        prediction_id,
        metric_date
    from {{ ref('base_raw__predictions') }}
    where quarantine_reason is null
    {%- if days is not none %}
        and prediction_id in (
            select prediction_rows.prediction_id from prediction_rows
            where prediction_rows.quarantine_reason is null
        )
    {%- endif %}
{%- endset %}

-- Ids delivered (validly) more than once, found by their hash: only they
-- need a group-by for their earliest day (9M predictions: a group-by over
-- every id was 3.8 of 16 s CPU); a collision only groups a few more ids.
repeated_prediction_ids as (

    select hash(valid.prediction_id) as id_hash
    from ({{ valid_predictions }}) as valid
    group by hash(valid.prediction_id)
    having count(*) > 1

),

prediction_first_days as (

    -- the day of each key's kept (earliest valid) delivery
    select
        valid.prediction_id,
        valid.metric_date
    from ({{ valid_predictions }}) as valid
    where hash(valid.prediction_id) not in (
        select repeated_prediction_ids.id_hash from repeated_prediction_ids
    )
    union all
    select
        valid.prediction_id,
        min(valid.metric_date) as metric_date
    from ({{ valid_predictions }}) as valid
    where hash(valid.prediction_id) in (
        select repeated_prediction_ids.id_hash from repeated_prediction_ids
    )
    group by valid.prediction_id

),

prediction_ledger as (

    select
        'predictions' as source_table,
        rows_by_day.metric_date,
        rows_by_day.rows_in,
        coalesce(accepted.rows_accepted, 0) as rows_accepted,
        rows_by_day.rows_quarantined,
        rows_by_day.rows_valid - coalesce(first_days.n_keys, 0) as rows_superseded
    from (
        {{ ledger_day_counts('prediction_rows') }}
    ) as rows_by_day
    left join (
        select
            metric_date,
            count(*) as rows_accepted
        from {{ ref('stg_raw__predictions') }}
        where {{ incremental_day_filter('metric_date', days=days) }}
        group by metric_date
    ) as accepted
        on rows_by_day.metric_date = accepted.metric_date
    left join (
        select
            metric_date,
            count(*) as n_keys
        from prediction_first_days
        group by metric_date
    ) as first_days
        on rows_by_day.metric_date = first_days.metric_date

),

---------- events
event_rows as (

    select
        event_id,
        event_date as metric_date,
        quarantine_reason
    from {{ ref('base_raw__events') }}
    where event_date is not null
        and {{ incremental_day_filter('event_date', 'occurred_at', days=days) }}

),

event_first_days as (

    select
        event_id,
        min(event_date) as metric_date
    from {{ ref('base_raw__events') }}
    where quarantine_reason is null
    {%- if days is not none %}
        and event_id in (
            select event_rows.event_id from event_rows
            where event_rows.quarantine_reason is null
        )
    {%- endif %}
    group by event_id

),

event_ledger as (

    select
        'events' as source_table,
        rows_by_day.metric_date,
        rows_by_day.rows_in,
        coalesce(accepted.rows_accepted, 0) as rows_accepted,
        rows_by_day.rows_quarantined,
        rows_by_day.rows_valid - coalesce(first_days.n_keys, 0) as rows_superseded
    from (
        {{ ledger_day_counts('event_rows') }}
    ) as rows_by_day
    left join (
        select
            event_date as metric_date,
            count(*) as rows_accepted
        from {{ ref('stg_raw__events') }}
        where {{ incremental_day_filter('event_date', 'occurred_at', days=days) }}
        group by event_date
    ) as accepted
        on rows_by_day.metric_date = accepted.metric_date
    left join (
        select
            metric_date,
            count(*) as n_keys
        from event_first_days
        group by metric_date
    ) as first_days
        on rows_by_day.metric_date = first_days.metric_date

),

---------- labels
label_rows as (

    select
        label_kind,
        prediction_id,
        request_id,
        metric_date,
        quarantine_reason
    from {{ ref('stg_raw__label_deliveries') }}
    where {{ incremental_day_filter('metric_date', days=days) }}

),

-- Every revision of the keys labeled on the days (a key's revisions may lie
-- on other days); every valid label row when built whole. Inlined where
-- read (DuckDB materializes a CTE read more than once).
{%- set valid_labels %}
    select * from {{ ref('stg_raw__label_deliveries') }}
    where quarantine_reason is null
    {%- if days is not none %}
        and (
            prediction_id in (
                select label_rows.prediction_id from label_rows
                where label_rows.quarantine_reason is null
            )
            or request_id in (
                select label_rows.request_id from label_rows
                where label_rows.quarantine_reason is null and label_rows.prediction_id is null
            )
        )
    {%- endif %}
{%- endset %}
{%- set label_key_hash = 'hash(valid.label_kind, valid.prediction_id, valid.request_id, valid.item_id)' %}

-- Keys labeled more than once (revisions), found by their hash: only their
-- rows need ordering for the kept (latest) one; every other valid row is
-- its key's kept one (a window over every label row was 7.8 of 16 s CPU;
-- a collision only orders a few more rows).
repeated_label_keys as (

    select {{ label_key_hash }} as key_hash
    from ({{ valid_labels }}) as valid
    group by {{ label_key_hash }}
    having count(*) > 1

),

label_current_rows as (

    -- each key's kept (latest) revision
    select valid.metric_date
    from ({{ valid_labels }}) as valid
    where {{ label_key_hash }} not in (select repeated_label_keys.key_hash from repeated_label_keys)
        and {{ incremental_day_filter('valid.metric_date', days=days) }}
    union all
    select ranked.metric_date
    from (
        select
            metric_date,
            {{ label_recency_rank() }} as recency_rank
        from ({{ valid_labels }}) as valid
        where {{ label_key_hash | replace('valid.', '') }}
            in (select repeated_label_keys.key_hash from repeated_label_keys)
    ) as ranked
    where ranked.recency_rank = 1 and {{ incremental_day_filter('ranked.metric_date', days=days) }}

),

label_ledger as (

    select
        'labels' as source_table,
        rows_by_day.metric_date,
        rows_by_day.rows_in,
        coalesce(current_days.n_keys, 0) as rows_accepted,
        rows_by_day.rows_quarantined,
        rows_by_day.rows_valid - coalesce(current_days.n_keys, 0) as rows_superseded
    from (
        {{ ledger_day_counts('label_rows') }}
    ) as rows_by_day
    left join (
        select
            metric_date,
            count(*) as n_keys
        from label_current_rows
        group by metric_date
    ) as current_days
        on rows_by_day.metric_date = current_days.metric_date

),

---------- prediction features (on their prediction's day)
feature_rows as (

    select
        metric_date,
        quarantine_reason,
        delivery_rank
    from {{ ref('stg_raw__prediction_feature_deliveries') }}
    where {{ incremental_day_filter('metric_date', days=days) }}

),

-- A key's kept value (quarantine_reason null, delivery_rank 1) is the row
-- stg_raw__prediction_features accepts: that view is this filter over the
-- same table, so the accepted rows are counted in the same pass (reading
-- the view again counted the same rows a second time).
feature_ledger as (

    select
        'prediction_features' as source_table,
        rows_by_day.metric_date,
        rows_by_day.rows_in,
        rows_by_day.n_keys as rows_accepted,
        rows_by_day.rows_quarantined,
        rows_by_day.rows_valid - rows_by_day.n_keys as rows_superseded
    from (
        {{ ledger_day_counts(
            'feature_rows',
            'sum(case when quarantine_reason is null and delivery_rank = 1 then 1 else 0 end) as n_keys'
        ) }}
    ) as rows_by_day

),

unioned as (

    select * from prediction_ledger
    union all
    select * from event_ledger
    union all
    select * from label_ledger
    union all
    select * from feature_ledger

)

select
    source_table,
    cast(metric_date as date) as metric_date,
    cast(rows_in as bigint) as rows_in,
    cast(rows_accepted as bigint) as rows_accepted,
    cast(rows_quarantined as bigint) as rows_quarantined,
    cast(rows_superseded as bigint) as rows_superseded
from unioned
