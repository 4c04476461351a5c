-- Drift of every categorical feature per model and day against the declared
-- reference (contract section 3): PSI over the union of the reference's and
-- the day's categories (shares floored at 0.0001) and the Jensen-Shannon
-- distance, base 2, as scipy.spatial.distance.jensenshannon computes it on
-- the unfloored shares. A category absent from the reference counts with
-- share 0 there. Published at the `__all__`/`__all__` rollup.
--
-- Incremental by metric_date, like drift_numeric_daily: a night recomputes
-- the days of drift_recompute_days from their own observations.

{{ config(**incremental_by_day()) }}

{%- set days = drift_recompute_days() %}

with

{{ drift_day_references(days) }},

reference_categories as (

    {{ drift_used_reference_rows('drift_reference_categories') }}

),

current_categories as (

    select
        observations.metric_date,
        observations.model_name,
        day_references.reference_id,
        observations.feature_name,
        observations.category_value,
        count(*) as n_in_category
    from {{ ref('int_drift_observations') }} as observations
    inner join day_references
        on
            observations.model_name = day_references.model_name
            and observations.metric_date = day_references.metric_date
    where
        observations.feature_kind = 'categorical'
        and {{ day_list_filter(days, 'observations.metric_date') }}
    group by
        observations.metric_date,
        observations.model_name,
        day_references.reference_id,
        observations.feature_name,
        observations.category_value

),

current_totals as (

    select
        metric_date,
        model_name,
        reference_id,
        feature_name,
        sum(n_in_category) as n_current
    from current_categories
    group by metric_date, model_name, reference_id, feature_name

),

reference_totals as (

    select distinct
        model_name,
        reference_id,
        feature_name,
        n_reference
    from reference_categories

),

---------- every (model day, feature) seen in the reference or on the day

keys as (

    select
        day_references.metric_date,
        day_references.model_name,
        day_references.reference_id,
        reference_totals.feature_name
    from day_references
    inner join reference_totals
        on
            day_references.model_name = reference_totals.model_name
            and day_references.reference_id = reference_totals.reference_id
    union
    select
        metric_date,
        model_name,
        reference_id,
        feature_name
    from current_totals

),

---------- the union of categories: reference categories of each key, and
---------- the day's own

reference_side as (

    select
        keys.metric_date,
        keys.model_name,
        keys.reference_id,
        keys.feature_name,
        reference_categories.category_value,
        reference_categories.n_in_category
    from keys
    inner join reference_categories
        on
            keys.model_name = reference_categories.model_name
            and keys.reference_id = reference_categories.reference_id
            and keys.feature_name = reference_categories.feature_name

),

categories as (

    select
        coalesce(reference_side.metric_date, current_categories.metric_date) as metric_date,
        coalesce(reference_side.model_name, current_categories.model_name) as model_name,
        coalesce(reference_side.reference_id, current_categories.reference_id) as reference_id,
        coalesce(reference_side.feature_name, current_categories.feature_name) as feature_name,
        coalesce(reference_side.n_in_category, 0) as reference_count,
        coalesce(current_categories.n_in_category, 0) as current_count
    from reference_side
    full outer join current_categories
        on
            reference_side.metric_date = current_categories.metric_date
            and reference_side.model_name = current_categories.model_name
            and reference_side.feature_name = current_categories.feature_name
            and reference_side.category_value = current_categories.category_value

),

shares as (

    select
        categories.metric_date,
        categories.model_name,
        categories.feature_name,
        {{ safe_divide('categories.current_count', 'current_totals.n_current') }} as current_share,
        {{ safe_divide('categories.reference_count', 'reference_totals.n_reference') }} as reference_share
    from categories
    left join current_totals
        on
            categories.metric_date = current_totals.metric_date
            and categories.model_name = current_totals.model_name
            and categories.feature_name = current_totals.feature_name
    left join reference_totals
        on
            categories.model_name = reference_totals.model_name
            and categories.reference_id = reference_totals.reference_id
            and categories.feature_name = reference_totals.feature_name

),

divergence as (

    select
        metric_date,
        model_name,
        feature_name,
        -- null when either side has no rows: one null share nulls the sum.
        -- exact_sum: the same bits in any row order (incremental nights).
        {{ exact_sum(psi_term('current_share', 'reference_share')
            ~ ' + case when current_share is null or reference_share is null then null else 0 end') }} as psi,
        {{ exact_sum(
            relative_entropy_term('current_share', '(current_share + reference_share) / 2')
            ~ ' + ' ~ relative_entropy_term('reference_share', '(current_share + reference_share) / 2')
        ) }} as js_divergence_nats
    from shares
    group by metric_date, model_name, feature_name

),

final as (

    select
        keys.metric_date,
        keys.model_name,
        '__all__' as model_version,
        '__all__' as segment,
        keys.feature_name,
        keys.reference_id,
        coalesce(current_totals.n_current, 0) as n_current,
        coalesce(reference_totals.n_reference, 0) as n_reference,
        divergence.psi,
        case
            when current_totals.n_current > 0 and reference_totals.n_reference > 0
                then sqrt(greatest({{ safe_divide('divergence.js_divergence_nats', 'ln(2)') }} / 2, 0))
        end as js_distance
    from keys
    left join current_totals
        on
            keys.metric_date = current_totals.metric_date
            and keys.model_name = current_totals.model_name
            and keys.feature_name = current_totals.feature_name
    left join reference_totals
        on
            keys.model_name = reference_totals.model_name
            and keys.reference_id = reference_totals.reference_id
            and keys.feature_name = reference_totals.feature_name
    left join divergence
        on
            keys.metric_date = divergence.metric_date
            and keys.model_name = divergence.model_name
            and keys.feature_name = divergence.feature_name

)

select * from final
