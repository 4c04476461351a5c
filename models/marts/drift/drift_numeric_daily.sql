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

{#- DuckDB plans an ASOF join whose left side it estimates at <= 64 rows as
    a nested loop; the KS refinement's estimate can be that low and its rows
    thousands (a 30-day night: 3,500 values x 55,000 reference values, 2.2 s
    instead of 0.1 s), so the loop is off while this model builds. -#}
{{ config(
    pre_hook=["set asof_loop_join_threshold = 0"] if target.type == 'duckdb' else [],
    post_hook=["reset asof_loop_join_threshold"] if target.type == 'duckdb' else [],
    **incremental_by_day()
) }}

{%- set days = drift_recompute_days() %}

{%- set current_rows_sql %}
    select
        observations.metric_date,
        observations.model_name,
        day_references.reference_id,
        observations.feature_name,
        observations.numeric_value
    from {{ ref('int_drift_observations') }} as observations
    inner join day_references
        on
            observations.model_name = day_references.model_name
            and observations.metric_date = day_references.metric_date
    where
        observations.feature_kind = 'numeric'
        and {{ day_list_filter(days, 'observations.metric_date') }}
{%- endset %}

with

{{ drift_day_references(days) }},

reference_numeric as (

    {{ drift_used_reference_rows('drift_reference_numeric') }}

),

-- read by ks_points, in SQL the linter's sparksql parser cannot read on DuckDB
reference_ecdf as (  -- noqa: ST03

    {{ drift_used_reference_rows('drift_reference_ecdf') }}

),

---------- the day's side: its rows, read by the PSI counts and (inlined,
---------- once or twice) by the KS points

current_rows as (

    {{ current_rows_sql }}

),

---------- PSI: the day's counts in the reference bins (and its row count,
---------- also for features the reference lacks: no edges, dropped by psi)

current_bins as (

    select
        current_rows.metric_date,
        current_rows.model_name,
        current_rows.reference_id,
        current_rows.feature_name,
        {%- for i in range(10) %}
        sum(
            case
                when {{ psi_bin('current_rows.numeric_value', 'reference_numeric.edge_') }} = {{ i }}
                    then 1
                else 0
            end
        ) as current_count_{{ i }},
        {%- endfor %}
        -- sum, not count: the column keeps the type it had (DuckDB: hugeint)
        sum(1) as n_current
    from current_rows
    left join reference_numeric
        on
            current_rows.model_name = reference_numeric.model_name
            and current_rows.reference_id = reference_numeric.reference_id
            and current_rows.feature_name = reference_numeric.feature_name
    group by
        current_rows.metric_date,
        current_rows.model_name,
        current_rows.reference_id,
        current_rows.feature_name

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

---------- KS: the day's ECDF against the stored reference ECDF at the
---------- day's values (macros/drift/ks_evaluation_points.sql)

ks_points as (

    {{ ks_evaluation_points(current_rows_sql, 'reference_ecdf') }}  -- noqa: PRS

),

ks as (

    -- sup |F_ref − F_day| is reached at the day's values c, just at c or
    -- just below it (scipy evaluates both ECDFs at every pooled value).
    select
        ks_points.metric_date,
        ks_points.model_name,
        ks_points.feature_name,
        max(greatest(
            abs(
                {{ safe_divide('ks_points.reference_at_or_below', 'reference_numeric.n_reference') }}
                - {{ safe_divide('ks_points.current_at_or_below', 'ks_points.n_current') }}
            ),
            abs(
                {{ safe_divide('ks_points.reference_below', 'reference_numeric.n_reference') }}
                - {{ safe_divide('ks_points.current_below', 'ks_points.n_current') }}
            )
        )) as ks_statistic,
        max(reference_numeric.n_reference) as n_reference,
        max(ks_points.n_current) as n_current
    from ks_points
    inner join reference_numeric
        on
            ks_points.model_name = reference_numeric.model_name
            and ks_points.reference_id = reference_numeric.reference_id
            and ks_points.feature_name = reference_numeric.feature_name
    group by
        ks_points.metric_date,
        ks_points.model_name,
        ks_points.feature_name

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
    select
        metric_date,
        model_name,
        reference_id,
        feature_name,
        cast(null as bigint) as n_reference
    from current_bins

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
    left join current_bins as current_totals
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
