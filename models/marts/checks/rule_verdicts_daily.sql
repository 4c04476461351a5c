-- Every declared rule judged once, in SQL: one row per rule x slice
-- (model, version, segment, feature) x day of the evaluation window, with
-- the value judged, the bound and the verdict (pass, breach,
-- not_evaluated with its reason), plus one row per rule that could not be
-- judged at all (metric not published, no rows in the window). The data
-- tests on it make `dbt build` fail on an error-severity breach and warn on
-- a warn-severity one; `mpm run` judges the same rules through Great
-- Expectations and a test holds both to the same verdicts
-- (tests/test_rule_verdicts.py). The semantics are those of
-- python_checks/checks/thresholds.py and python_checks/stats/derived.py.

{%- set slice = ['rule_id', 'model_name', 'model_version', 'segment', 'feature_name'] %}

with

rules as (

    select * from {{ ref('int_threshold_rules') }}

),

metrics as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        metric_name,
        feature_name,
        metric_value,
        sample_size
    from {{ ref('metrics_daily') }}

),

last_day as (

    select max(metric_date) as last_metric_date from metrics

),

catalog as (

    {{ published_metric_catalog() }}

),

-- Whether a mart publishes the rule's metric (by name, or by a long mart's
-- prefix), and whether it needs labels (then the label-coverage gate applies).
rule_catalog as (

    select
        rules.rule_id,
        max(case when catalog.metric_name is not null then 1 else 0 end) as is_published,
        max(case when catalog.needs_labels then 1 else 0 end) as needs_labels
    from rules
    left join catalog
        on (not catalog.is_prefix and rules.metric = catalog.metric_name)
        or (
            catalog.is_prefix
            and length(rules.metric) > length(catalog.metric_name)
            and substr(rules.metric, 1, length(catalog.metric_name)) = catalog.metric_name
        )
    group by rules.rule_id

),

-- The rows of metrics_daily each rule applies to, over the whole history
-- (change and band rules derive from it).
selected as (

    select
        rules.rule_id,
        rules.kind,
        rules.window_days,
        rules.reference_days,
        metrics.metric_date,
        metrics.model_name,
        metrics.model_version,
        metrics.segment,
        metrics.feature_name,
        metrics.metric_value,
        metrics.sample_size
    from rules
    inner join rule_catalog
        on rules.rule_id = rule_catalog.rule_id
    inner join metrics
        on rules.metric = metrics.metric_name
        and (rules.model = '*' or rules.model = metrics.model_name)
        and (rules.model_version = '*' or rules.model_version = metrics.model_version)
        and (rules.segment = '*' or rules.segment = metrics.segment)
        and (rules.feature = '*' or rules.feature = metrics.feature_name)
    where rule_catalog.is_published = 1

),

static_series as (

    select
        {{ slice | join(', ') }},
        metric_date,
        metric_value as series_value,
        sample_size as series_sample_size
    from selected
    where kind = 'static'

),

-- change: the mean of a slice's last N rows (days with a row) against the
-- mean of the N rows before, as a relative change; a mean needs all N
-- values, the sample size is the sum over the 2N rows (all present).
change_positioned as (

    select
        *,
        row_number() over (
            partition by {{ slice | join(', ') }} order by metric_date
        ) as position
    from selected
    where kind = 'change'

),

change_windows as (

    select
        {%- for column in slice %}
        current_row.{{ column }},
        {%- endfor %}
        current_row.metric_date,
        current_row.window_days,
        sum(case when earlier.position > current_row.position - current_row.window_days then 1 else 0 end) as recent_rows,
        count(case when earlier.position > current_row.position - current_row.window_days then earlier.metric_value end) as recent_values,
        sum(case when earlier.position > current_row.position - current_row.window_days then earlier.metric_value end) as recent_sum,
        sum(case when earlier.position <= current_row.position - current_row.window_days then 1 else 0 end) as before_rows,
        count(case when earlier.position <= current_row.position - current_row.window_days then earlier.metric_value end) as before_values,
        sum(case when earlier.position <= current_row.position - current_row.window_days then earlier.metric_value end) as before_sum,
        count(earlier.sample_size) as window_samples,
        sum(earlier.sample_size) as window_sample_size
    from change_positioned as current_row
    inner join change_positioned as earlier
        on {% for column in slice %}earlier.{{ column }} = current_row.{{ column }}{{ '\n        and ' if not loop.last }}{% endfor %}
        and earlier.position > current_row.position - 2 * current_row.window_days
        and earlier.position <= current_row.position
    group by
        {%- for column in slice %}
        current_row.{{ column }},
        {%- endfor %}
        current_row.metric_date,
        current_row.window_days

),

change_means as (

    select
        {{ slice | join(', ') }},
        metric_date,
        case
            when recent_rows = window_days and recent_values = window_days
                then {{ safe_divide('recent_sum', 'window_days') }}
        end as recent_mean,
        case
            when before_rows = window_days and before_values = window_days
                then {{ safe_divide('before_sum', 'window_days') }}
        end as before_mean,
        case
            when window_samples = 2 * window_days then cast(window_sample_size as bigint)
        end as series_sample_size
    from change_windows

),

change_series as (

    select
        {{ slice | join(', ') }},
        metric_date,
        case
            when abs(before_mean) > 0 then {{ safe_divide('recent_mean', 'before_mean') }} - 1
        end as series_value,
        series_sample_size
    from change_means
    where recent_mean is not null and before_mean is not null

),

-- band: the z-score of the value against the mean and sample standard
-- deviation of the slice's first N days with a value; a slice with fewer
-- such days yields no row.
band_ranked as (

    select
        *,
        row_number() over (
            partition by
                {{ slice | join(', ') }},
                case when metric_value is null then 1 else 0 end
            order by metric_date
        ) as value_rank
    from selected
    where kind = 'band'

),

band_reference as (

    select
        {{ slice | join(', ') }},
        count(*) as reference_rows,
        avg(metric_value) as reference_mean,
        stddev_samp(metric_value) as reference_std
    from band_ranked
    where metric_value is not null and value_rank <= reference_days
    group by {{ slice | join(', ') }}

),

band_series as (

    select
        {%- for column in slice %}
        band_ranked.{{ column }},
        {%- endfor %}
        band_ranked.metric_date,
        case
            -- a spread within rounding of zero is no spread (equal values
            -- give 0 on Spark, 1e-17 on DuckDB): no band, as in derived.py
            when band_reference.reference_std
                > 1e-12 * greatest(abs(band_reference.reference_mean), 1)
                then {{ safe_divide('band_ranked.metric_value - band_reference.reference_mean', 'band_reference.reference_std') }}
        end as series_value,
        band_ranked.sample_size as series_sample_size
    from band_ranked
    inner join band_reference
        on {% for column in slice %}band_reference.{{ column }} = band_ranked.{{ column }}{{ '\n        and ' if not loop.last }}{% endfor %}
    where band_ranked.metric_value is not null
        and band_reference.reference_rows = band_ranked.reference_days

),

series as (

    select * from static_series
    union all
    select * from change_series
    union all
    select * from band_series

),

label_coverage as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        metric_value as label_coverage
    from metrics
    where metric_name = 'label_coverage'

),

-- The evaluation window (the last N days of metrics_daily), the gates, and
-- the value the bound applies to.
gated as (

    select
        series.*,
        rules.rule,
        rules.severity,
        rules.kind,
        rules.checked_metric,
        rules.min_value,
        rules.max_value,
        rules.bound,
        rules.proportion,
        rules.wilson_z,
        label_coverage.label_coverage,
        case
            -- Persistence, sampling error and FDR need each slice's history
            -- or the day's other slices: mpm run judges them, not this model.
            when coalesce(rules.policy, '') <> ''
                then concat('alarm policy (', rules.policy, ') is judged by mpm run only')
            when series.series_value is null then 'undefined value'
            when coalesce(series.series_sample_size, 0) < rules.min_sample_size
                then concat('sample size below ', cast(rules.min_sample_size as string))
            when rule_catalog.needs_labels = 1
                and rules.min_label_coverage > 0
                and coalesce(label_coverage.label_coverage, 0) < rules.min_label_coverage
                then concat('label coverage below ', cast(rules.min_label_coverage as string))
        end as gate_reason
    from series
    inner join rules
        on series.rule_id = rules.rule_id
    inner join rule_catalog
        on series.rule_id = rule_catalog.rule_id
    cross join last_day
    left join label_coverage
        on series.metric_date = label_coverage.metric_date
        and series.model_name = label_coverage.model_name
        and series.model_version = label_coverage.model_version
        and series.segment = label_coverage.segment
    where {{ dbt.datediff('series.metric_date', 'last_day.last_metric_date', 'day') }}
        < rules.evaluation_window_days

),

checked as (

    select
        *,
        case
            when gate_reason is not null then null
            when proportion then {{ wilson_checked_value(
                'series_value', 'cast(series_sample_size as double)', 'wilson_z', 'min_value', 'max_value'
            ) }}
            else series_value
        end as checked_value
    from gated

),

judged as (

    select
        rule_id,
        rule,
        severity,
        kind,
        model_name,
        model_version,
        segment,
        checked_metric as metric_name,
        feature_name,
        metric_date,
        series_value as metric_value,
        checked_value,
        series_sample_size as sample_size,
        label_coverage,
        min_value,
        max_value,
        bound,
        case
            when gate_reason is not null or checked_value is null then 'not_evaluated'
            when checked_value < min_value or checked_value > max_value then 'breach'
            else 'pass'
        end as verdict,
        case
            when gate_reason is not null then gate_reason
            when checked_value is null then 'undefined Wilson interval (sample size 0)'
        end as reason
    from checked

),

-- A rule judged on no row says so: its metric is not published (a mart
-- disabled on this engine), or the window holds no row it applies to (for
-- a named model; `*` when no model has one).
unjudged as (

    select
        rules.rule_id,
        rules.rule,
        rules.severity,
        rules.kind,
        rules.model as model_name,
        rules.model_version,
        rules.segment,
        rules.checked_metric as metric_name,
        rules.feature as feature_name,
        cast(null as date) as metric_date,
        cast(null as double) as metric_value,
        cast(null as double) as checked_value,
        cast(null as bigint) as sample_size,
        cast(null as double) as label_coverage,
        rules.min_value,
        rules.max_value,
        rules.bound,
        'not_evaluated' as verdict,
        case
            when rule_catalog.is_published = 0
                then concat('metric ', rules.metric, ' is not published by any mart')
            when rules.model = '*' then 'no rows in the window'
            else concat('no rows for ', rules.model, ' in the window')
        end as reason
    from rules
    inner join rule_catalog
        on rules.rule_id = rule_catalog.rule_id
    left join (select distinct rule_id from judged) as judged_rules
        on rules.rule_id = judged_rules.rule_id
    where judged_rules.rule_id is null

)

select * from judged
union all
select * from unjudged
