-- Drift of every numeric feature and of the prediction (`__prediction__`)
-- per model and day against the declared reference (contract section 3):
-- PSI over the reference deciles, the exact two-sample KS statistic and its
-- asymptotic p-value (kstwo.sf: the seed's exact pieces for small sizes).
-- Published at the `__all__`/`__all__` rollup. The reference side comes from the drift_reference_* tables, so a day costs
-- one pass over its own rows.
--
-- Incremental by metric_date: a night recomputes the days of
-- drift_recompute_days (the lookback, days with changed labels, days whose
-- reference changed) and reads only those days' observations and the
-- references they use.

{{ config(**incremental_by_day()) }}

{%- set days = drift_recompute_days() %}

with

{{ drift_day_references(days) }},

reference_numeric as (

    {{ drift_used_reference_rows('drift_reference_numeric') }}

),

reference_ecdf as (

    {{ drift_used_reference_rows('drift_reference_ecdf') }}

),

---------- the day's side: one pass over its rows

current_values as (

    select
        observations.metric_date,
        observations.model_name,
        day_references.reference_id,
        observations.feature_name,
        observations.numeric_value,
        count(*) as n_at_value
    from {{ ref('int_drift_observations') }} as observations
    inner join day_references
        on
            observations.model_name = day_references.model_name
            and observations.metric_date = day_references.metric_date
    where
        observations.feature_kind = 'numeric'
        and {{ day_list_filter(days, 'observations.metric_date') }}
    group by
        observations.metric_date,
        observations.model_name,
        day_references.reference_id,
        observations.feature_name,
        observations.numeric_value

),

current_ecdf as (

    select
        *,
        sum(n_at_value) over (
            partition by metric_date, model_name, feature_name
            order by numeric_value
            rows between unbounded preceding and current row
        ) as n_at_or_below,
        sum(n_at_value) over (partition by metric_date, model_name, feature_name) as n_current
    from current_values

),

---------- PSI: the day's counts in the reference bins

current_bins as (

    select
        current_values.metric_date,
        current_values.model_name,
        current_values.feature_name,
        {%- for i in range(10) %}
        sum(
            case
                when {{ psi_bin('current_values.numeric_value', 'reference_numeric.edge_') }} = {{ i }}
                    then current_values.n_at_value
                else 0
            end
        ) as current_count_{{ i }},
        {%- endfor %}
        sum(current_values.n_at_value) as n_current
    from current_values
    inner join reference_numeric
        on
            current_values.model_name = reference_numeric.model_name
            and current_values.reference_id = reference_numeric.reference_id
            and current_values.feature_name = reference_numeric.feature_name
    group by current_values.metric_date, current_values.model_name, current_values.feature_name

),

psi as (

    select
        current_bins.metric_date,
        current_bins.model_name,
        current_bins.feature_name,
        {%- for i in range(10) %}
        {{ psi_term(
            safe_divide('current_bins.current_count_' ~ i, 'current_bins.n_current'),
            safe_divide('reference_numeric.reference_count_' ~ i, 'reference_numeric.n_reference')
        ) }}{{ ' +' if not loop.last }}
        {%- endfor %}
        as psi
    from current_bins
    inner join day_references
        on
            current_bins.model_name = day_references.model_name
            and current_bins.metric_date = day_references.metric_date
    inner join reference_numeric
        on
            current_bins.model_name = reference_numeric.model_name
            and day_references.reference_id = reference_numeric.reference_id
            and current_bins.feature_name = reference_numeric.feature_name

),

---------- KS: merge the day's ECDF with the stored reference ECDF

merged as (

    select
        model_name,
        reference_id,
        feature_name,
        numeric_value,
        0 as side,
        cast(null as date) as metric_date,
        n_at_or_below as reference_at_or_below,
        cast(null as bigint) as current_at_or_below,
        cast(null as bigint) as current_at_value,
        cast(null as bigint) as n_current
    from reference_ecdf
    union all
    select
        model_name,
        reference_id,
        feature_name,
        numeric_value,
        1 as side,
        metric_date,
        cast(null as bigint) as reference_at_or_below,
        n_at_or_below as current_at_or_below,
        n_at_value as current_at_value,
        n_current
    from current_ecdf

),

reference_cdf_at_current as (

    -- For each of the day's distinct values c: reference rows <= c (ties of
    -- the reference sorted before c) and < c (sorted after).
    select
        metric_date,
        model_name,
        reference_id,
        feature_name,
        current_at_or_below,
        current_at_value,
        n_current,
        coalesce(max(reference_at_or_below) over (
            partition by model_name, reference_id, feature_name
            order by numeric_value asc, side asc
            rows between unbounded preceding and current row
        ), 0) as reference_at_or_below,
        coalesce(max(reference_at_or_below) over (
            partition by model_name, reference_id, feature_name
            order by numeric_value asc, side desc
            rows between unbounded preceding and current row
        ), 0) as reference_below,
        side
    from merged

),

ks as (

    -- sup |F_ref − F_day| is reached at the day's values c, just at c or
    -- just below it (scipy evaluates both ECDFs at every pooled value).
    select
        reference_cdf_at_current.metric_date,
        reference_cdf_at_current.model_name,
        reference_cdf_at_current.feature_name,
        max(greatest(
            abs(
                {{ safe_divide('reference_cdf_at_current.reference_at_or_below', 'reference_numeric.n_reference') }}
                - {{ safe_divide('reference_cdf_at_current.current_at_or_below', 'reference_cdf_at_current.n_current') }}
            ),
            abs(
                {{ safe_divide('reference_cdf_at_current.reference_below', 'reference_numeric.n_reference') }}
                - {{ safe_divide(
                    'reference_cdf_at_current.current_at_or_below - reference_cdf_at_current.current_at_value',
                    'reference_cdf_at_current.n_current'
                ) }}
            )
        )) as ks_statistic,
        max(reference_numeric.n_reference) as n_reference,
        max(reference_cdf_at_current.n_current) as n_current
    from reference_cdf_at_current
    inner join reference_numeric
        on
            reference_cdf_at_current.model_name = reference_numeric.model_name
            and reference_cdf_at_current.reference_id = reference_numeric.reference_id
            and reference_cdf_at_current.feature_name = reference_numeric.feature_name
    where reference_cdf_at_current.side = 1
    group by
        reference_cdf_at_current.metric_date,
        reference_cdf_at_current.model_name,
        reference_cdf_at_current.feature_name

),

ks_sizes as (

    select
        *,
        {{ safe_divide('cast(n_reference as double) * n_current', 'n_reference + n_current') }} as ks_en
    from ks

),

ks_effective as (

    -- round(en) half to even, as numpy rounds: equal samples of odd size
    -- give en = n / 2 exactly, and 58.5 must become 58, not 59
    select
        *,
        case
            when ks_en - floor(ks_en) = 0.5 and floor(ks_en) - 2 * floor(floor(ks_en) / 2) = 0
                then floor(ks_en)
            when ks_en - floor(ks_en) = 0.5 then floor(ks_en) + 1
            else round(ks_en)
        end as ks_effective_n
    from ks_sizes

),

ks_tested as (

    -- the p-value: exact polynomial pieces (seed) for small n, else the
    -- Pelz-Good series (macros/drift/ks_pvalue.sql)
    select
        ks_effective.metric_date,
        ks_effective.model_name,
        ks_effective.feature_name,
        ks_effective.ks_statistic,
        {{ ks_pvalue('ks_effective.ks_statistic', 'ks_effective.ks_effective_n', 'small_n_sf') }} as ks_pvalue
    from ks_effective
    left join {{ ref('ks_small_n_sf') }} as small_n_sf
        on
            cast(ks_effective.ks_effective_n as bigint) = small_n_sf.n
            and {{ ks_sf_interval('ks_effective.ks_statistic', 'ks_effective.ks_effective_n') }}
            = small_n_sf.interval_index

),

---------- every (model day, feature): reference features with no row that
---------- day get a row with sample size 0 and null metrics

spine as (

    select
        day_references.metric_date,
        day_references.model_name,
        day_references.reference_id,
        reference_numeric.feature_name,
        reference_numeric.n_reference
    from day_references
    inner join reference_numeric
        on
            day_references.model_name = reference_numeric.model_name
            and day_references.reference_id = reference_numeric.reference_id
    union
    select distinct
        metric_date,
        model_name,
        reference_id,
        feature_name,
        cast(null as bigint) as n_reference
    from current_ecdf

),

keys as (

    select
        metric_date,
        model_name,
        reference_id,
        feature_name,
        max(n_reference) as n_reference
    from spine
    group by metric_date, model_name, reference_id, feature_name

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
        coalesce(keys.n_reference, 0) as n_reference,
        case when current_totals.n_current > 0 then psi.psi end as psi,
        ks_tested.ks_statistic,
        ks_tested.ks_pvalue
    from keys
    left join (
        select
            metric_date,
            model_name,
            feature_name,
            max(n_current) as n_current
        from current_ecdf
        group by metric_date, model_name, feature_name
    ) as current_totals
        on
            keys.metric_date = current_totals.metric_date
            and keys.model_name = current_totals.model_name
            and keys.feature_name = current_totals.feature_name
    left join psi
        on
            keys.metric_date = psi.metric_date
            and keys.model_name = psi.model_name
            and keys.feature_name = psi.feature_name
    left join ks_tested
        on
            keys.metric_date = ks_tested.metric_date
            and keys.model_name = ks_tested.model_name
            and keys.feature_name = ks_tested.feature_name

)

select * from final
