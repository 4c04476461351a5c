{#-
    The points a day's exact two-sample KS statistic is evaluated at: rows
    of each (day, model, feature) with the four counts
    sup |F_ref − F_day| needs there (scipy evaluates both ECDFs at every
    pooled value; the sup is reached at a day's value, at c or just below,
    so every day's value c is enough, and an engine may return fewer points
    as long as they include one reaching the sup):

        reference_at_or_below  reference rows <= c
        reference_below        reference rows <  c
        current_at_or_below    the day's rows <= c
        current_below          the day's rows <  c
        n_current              the day's rows

    current_rows: a select with one row per observation (metric_date,
    model_name, reference_id, feature_name, numeric_value, never null),
    inlined as a subquery;
    reference_ecdf: drift_reference_ecdf's rows (the reference's sorted
    distinct values with n_at_value and the cumulative n_at_or_below).
    Only the integers come from here, so every engine divides the same
    numbers and the statistic is the same bits.
-#}
{% macro ks_evaluation_points(current_rows, reference_ecdf) -%}
    {{ return(adapter.dispatch('ks_evaluation_points', 'ml_product_metrics')(current_rows, reference_ecdf)) }}
{%- endmacro %}

{#- DuckDB: exact, without sorting every value. Each series' reference
    range [low, high] is cut into `ks_bins` equal-width bins (a value's bin
    is monotone in the value: rounding is monotone, so a bin is a run of
    consecutive values; below and above the range are bins -1 and ks_bins).
    One hash aggregate counts the day's values per bin; with the reference's
    counts per bin, both ECDFs are exact at every bin's end, and inside a
    bin F_ref − F_day lies between (ref through the bin − day before it) and
    (ref before it − day through it). Only bins whose bound exceeds the
    largest value reached at the ends can hold the sup (never bins -1 and
    ks_bins: one ECDF is flat there); their values alone are sorted and
    matched with the stored reference ECDF (ASOF join), as the full sort
    did for every value. The points returned are the bin end reaching the
    largest difference and those values, so the statistic is the same bits
    (drift_numeric_daily, 9M predictions: 57 s -> 7 s; 2-8 % of the values
    sorted at 4096 bins). -#}
{% macro duckdb__ks_evaluation_points(current_rows, reference_ecdf) -%}
    {%- set bins = var('ks_bins', 4096) | int -%}
    {%- set bin_template -%}
        case
            when VALUE < series.low then -1
            when VALUE > series.high then {{ bins }}
            when not isfinite(series.high - series.low) or series.high = series.low then 0
            else least({{ bins }} - 1, cast(floor((VALUE - series.low) / (series.high - series.low) * {{ bins }}) as integer))
        end
    {%- endset -%}
    {#- the day's values with their series and bin; read twice, inlined
        (a CTE read twice is materialized: every value written once more) -#}
    {%- set binned -%}
        select
            current_rows.metric_date,
            series.series_key,
            current_rows.numeric_value,
            {{ bin_template | replace('VALUE', 'current_rows.numeric_value') }} as ks_bin
        from ({{ current_rows }}) as current_rows
        inner join ks_series as series
            on
                current_rows.model_name = series.model_name
                and current_rows.reference_id = series.reference_id
                and current_rows.feature_name = series.feature_name
    {%- endset -%}
    with

    ks_series as (

        select
            model_name,
            reference_id,
            feature_name,
            min(numeric_value) as low,
            max(numeric_value) as high,
            row_number() over (order by model_name, reference_id, feature_name) as series_key
        from {{ reference_ecdf }}
        group by model_name, reference_id, feature_name

    ),

    reference_values as (

        select
            series.series_key,
            ecdf.numeric_value,
            ecdf.n_at_value,
            ecdf.n_at_or_below,
            {{ bin_template | replace('VALUE', 'ecdf.numeric_value') }} as ks_bin
        from {{ reference_ecdf }} as ecdf
        inner join ks_series as series
            on
                ecdf.model_name = series.model_name
                and ecdf.reference_id = series.reference_id
                and ecdf.feature_name = series.feature_name

    ),

    current_bins as (

        select
            metric_date,
            series_key,
            ks_bin,
            count(*) as n_in_bin
        from ({{ binned }}) as binned
        group by metric_date, series_key, ks_bin

    ),

    reference_bins as (

        select
            series_key,
            ks_bin,
            sum(n_at_value) as n_in_bin
        from reference_values
        group by series_key, ks_bin

    ),

    bin_counts as (

        select
            metric_date,
            series_key,
            ks_bin,
            sum(n_reference) as n_reference,
            sum(n_current) as n_current
        from (
            select metric_date, series_key, ks_bin, 0 as n_reference, n_in_bin as n_current
            from current_bins
            union all
            select
                days.metric_date,
                reference_bins.series_key,
                reference_bins.ks_bin,
                reference_bins.n_in_bin as n_reference,
                0 as n_current
            from (select distinct metric_date, series_key from current_bins) as days
            inner join reference_bins
                on days.series_key = reference_bins.series_key
        ) as both_sides
        group by metric_date, series_key, ks_bin

    ),

    cumulative as (

        select
            *,
            sum(n_reference) over running as reference_through,
            sum(n_current) over running as current_through,
            sum(n_reference) over day_series as reference_total,
            sum(n_current) over day_series as current_total
        from bin_counts
        window
            day_series as (partition by metric_date, series_key),
            running as (
                partition by metric_date, series_key order by ks_bin
                rows between unbounded preceding and current row
            )

    ),

    bounded as (

        select
            *,
            abs(
                {{ safe_divide('reference_through', 'reference_total') }}
                - {{ safe_divide('current_through', 'current_total') }}
            ) as at_end,
            greatest(
                abs(
                    {{ safe_divide('reference_through', 'reference_total') }}
                    - {{ safe_divide('current_through - n_current', 'current_total') }}
                ),
                abs(
                    {{ safe_divide('reference_through - n_reference', 'reference_total') }}
                    - {{ safe_divide('current_through', 'current_total') }}
                )
            ) as within_bound,
            max(abs(
                {{ safe_divide('reference_through', 'reference_total') }}
                - {{ safe_divide('current_through', 'current_total') }}
            )) over (partition by metric_date, series_key) as at_ends
        from cumulative

    ),

    candidates as (

        select
            metric_date,
            series_key,
            ks_bin,
            current_through - n_current as current_before,
            current_total
        from bounded
        where ks_bin between 0 and {{ bins }} - 1 and n_current > 0 and within_bound > at_ends

    ),

    refined as (

        select
            binned.metric_date,
            binned.series_key,
            binned.numeric_value,
            candidates.current_total,
            candidates.current_before + count(*) over (
                partition by binned.metric_date, binned.series_key, binned.ks_bin
                order by binned.numeric_value
                range between unbounded preceding and current row
            ) as current_at_or_below,
            candidates.current_before + rank() over (
                partition by binned.metric_date, binned.series_key, binned.ks_bin
                order by binned.numeric_value
            ) - 1 as current_below
        from ({{ binned }}) as binned
        inner join candidates
            on
                binned.metric_date = candidates.metric_date
                and binned.series_key = candidates.series_key
                and binned.ks_bin = candidates.ks_bin

    ),

    points as (

        select
            metric_date,
            series_key,
            reference_through as reference_at_or_below,
            reference_through as reference_below,
            current_through as current_at_or_below,
            current_through as current_below,
            current_total as n_current
        from bounded
        where at_end = at_ends
        union all
        select
            refined.metric_date,
            refined.series_key,
            coalesce(reference.n_at_or_below, 0) as reference_at_or_below,
            coalesce(
                case
                    when reference.numeric_value = refined.numeric_value
                        then reference.n_at_or_below - reference.n_at_value
                    else reference.n_at_or_below
                end,
                0
            ) as reference_below,
            refined.current_at_or_below,
            refined.current_below,
            refined.current_total as n_current
        from refined
        asof left join reference_values as reference
            on
                refined.series_key = reference.series_key
                and refined.numeric_value >= reference.numeric_value

    )

    select
        points.metric_date,
        series.model_name,
        series.reference_id,
        series.feature_name,
        points.reference_at_or_below,
        points.reference_below,
        points.current_at_or_below,
        points.current_below,
        points.n_current
    from points
    inner join ks_series as series
        on points.series_key = series.series_key
{%- endmacro %}

{#- Any other engine (Spark has no ASOF join): the day's distinct values and
    their ECDF, merged with the reference ECDF in one ordered sequence per
    (model, reference, feature); a running max of the reference's
    cumulative count gives, at each current value, the reference rows <= c
    (reference ties sorted before c) and < c (sorted after). -#}
{% macro default__ks_evaluation_points(current_rows, reference_ecdf) -%}
    select
        metric_date,
        model_name,
        reference_id,
        feature_name,
        reference_at_or_below,
        reference_below,
        current_at_or_below,
        current_at_or_below - current_at_value as current_below,
        n_current
    from (
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
        from (
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
            from {{ reference_ecdf }}
            union all
            select
                model_name,
                reference_id,
                feature_name,
                numeric_value,
                1 as side,
                metric_date,
                cast(null as bigint) as reference_at_or_below,
                sum(n_at_value) over (
                    partition by metric_date, model_name, feature_name
                    order by numeric_value
                    rows between unbounded preceding and current row
                ) as current_at_or_below,
                n_at_value as current_at_value,
                sum(n_at_value) over (partition by metric_date, model_name, feature_name) as n_current
            from (
                select
                    metric_date,
                    model_name,
                    reference_id,
                    feature_name,
                    numeric_value,
                    count(*) as n_at_value
                from ({{ current_rows }}) as current_rows
                group by metric_date, model_name, reference_id, feature_name, numeric_value
            ) as current_values
        ) as merged
    ) as reference_cdf_at_current
    where side = 1
{%- endmacro %}
