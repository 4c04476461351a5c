-- Every declared link and engagement guardrail judged once, in SQL: one
-- row per pair x day of the evaluation window on which both series moved
-- measurably, with how each moved against its own noise and the verdict,
-- plus one not_evaluated row, with its reason, per pair judged on no day.
-- The data tests on it make a plain `dbt build` fail on an error-severity
-- divergence (or linked regression) and warn on a warn-severity one, as
-- `mpm run` does; `mpm run` judges the same pairs in Python
-- (python_checks/checks/links.py, stats/movement.py) and holds both to
-- the same verdicts every night.
--
-- A series is a metrics_daily rollup (version and segment __all__, no
-- feature). Its change on day d is the mean of the window_days calendar
-- days ending on d minus the mean of the window_days before (days without
-- a value skipped; each window needs min_days_per_window values); its
-- noise is noise_z x the Welch standard error of that difference; a move
-- is real beyond the noise and beyond min_relative_change of the earlier
-- mean. A link breaches when one layer got better beyond noise while the
-- other got worse (diverged), or both got worse (regressed together); a
-- guardrail pair when engagement got better while its guardrail got worse.

{%- set sides = ['first', 'second'] %}

with

rules as (

    select
        *,
        case
            when check_name = 'link' then 'the layers move together or within noise'
            else 'the guardrail holds while engagement rises'
        end as bound
    from {{ ref('int_link_rules') }}

),

metrics as (

    select
        metric_date,
        model_name,
        metric_name,
        metric_value,
        sample_size
    from {{ ref('metrics_daily') }}
    where model_version = '__all__'
        and segment = '__all__'
        and coalesce(feature_name, '') = ''

),

-- Each pair's two series: the model (or engagement) side first, the
-- business (or guardrail) side second.
sides as (

    {%- for side in sides %}

    select
        link_id,
        '{{ side }}' as side,
        {{ side }}_model as series_model,
        {{ side }}_metric as series_metric,
        {{ side }}_needs_labels as needs_labels,
        {{ 'first_min_sample_size' if side == 'first' else 'cast(0 as bigint)' }} as min_sample_size,
        {{ side }}_staged as staged,
        min_label_coverage
    from rules
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

label_coverage as (

    select
        metric_date,
        model_name,
        metric_value as label_coverage
    from metrics
    where metric_name = 'label_coverage'

),

covered_models as (

    select distinct model_name from label_coverage

),

-- Whether metrics_daily holds the series at all: without it, a latency or
-- ranking series comes from the staged rows in `mpm run` (checks/links.py),
-- which this model does not recompute.
published as (

    select
        sides.link_id,
        sides.side,
        sides.series_model,
        sides.series_metric,
        sides.staged,
        count(metrics.metric_date) as published_rows
    from sides
    left join metrics
        on sides.series_model = metrics.model_name
        and sides.series_metric = metrics.metric_name
    group by
        sides.link_id,
        sides.side,
        sides.series_model,
        sides.series_metric,
        sides.staged

),

-- The values a series is judged on: days with enough rows, and for a
-- series that needs labels only the days its model's label coverage
-- reached the minimum (when the model publishes a coverage at all).
points as (

    select
        sides.link_id,
        sides.side,
        metrics.metric_date,
        metrics.metric_value
    from sides
    inner join metrics
        on sides.series_model = metrics.model_name
        and sides.series_metric = metrics.metric_name
    left join covered_models
        on sides.series_model = covered_models.model_name
    left join label_coverage
        on sides.series_model = label_coverage.model_name
        and metrics.metric_date = label_coverage.metric_date
    where metrics.metric_value is not null
        and coalesce(metrics.sample_size, 0) >= sides.min_sample_size
        and (
            not sides.needs_labels
            or covered_models.model_name is null
            or label_coverage.label_coverage >= sides.min_label_coverage
        )

),

sides_with_values as (

    select distinct
        link_id,
        side
    from points

),

series_ends as (

    select
        link_id,
        count(distinct side) as sides_with_values,
        max(metric_date) as last_date
    from points
    group by link_id

),

offsets as (

    select {{ integer_offsets('window_days') }} as day_offset
    from (select max(evaluation_window_days) as window_days from rules) as widest

),

-- The evaluation window: the last evaluation_window_days calendar days
-- ending on the later of the two series' last days.
judged_days as (

    select
        series_ends.link_id,
        cast({{ dbt.dateadd('day', '-1 * offsets.day_offset', 'series_ends.last_date') }} as date)
            as metric_date
    from series_ends
    inner join rules
        on series_ends.link_id = rules.link_id
    cross join offsets
    where series_ends.sides_with_values = 2
        and offsets.day_offset < rules.evaluation_window_days

),

windows as (

    select
        judged_days.link_id,
        judged_days.metric_date,
        points.side,
        rules.window_days,
        rules.min_days_per_window,
        rules.noise_z,
        rules.min_relative_change,
        {{ dbt.datediff('points.metric_date', 'judged_days.metric_date', 'day') }} as days_back,
        points.metric_value
    from judged_days
    inner join rules
        on judged_days.link_id = rules.link_id
    inner join points
        on judged_days.link_id = points.link_id

),

window_stats as (

    select
        link_id,
        metric_date,
        side,
        min_days_per_window,
        noise_z,
        min_relative_change,
        count(case when days_back < window_days then metric_value end) as after_days,
        avg(case when days_back < window_days then metric_value end) as after_mean,
        var_samp(case when days_back < window_days then metric_value end) as after_var,
        count(case when days_back >= window_days then metric_value end) as before_days,
        avg(case when days_back >= window_days then metric_value end) as before_mean,
        var_samp(case when days_back >= window_days then metric_value end) as before_var
    from windows
    where days_back >= 0 and days_back < 2 * window_days
    group by
        link_id,
        metric_date,
        side,
        min_days_per_window,
        noise_z,
        min_relative_change

),

movements as (

    select
        link_id,
        metric_date,
        side,
        before_mean,
        after_mean,
        after_mean - before_mean as change,
        noise_z * sqrt(
            {{ safe_divide('after_var', 'after_days') }} + {{ safe_divide('before_var', 'before_days') }}
        ) as noise,
        min_relative_change
    from window_stats
    where after_days >= min_days_per_window
        and before_days >= min_days_per_window

),

directions as (

    select
        link_id,
        metric_date,
        side,
        before_mean,
        after_mean,
        change,
        noise,
        case
            when abs(change) > noise
                and abs(change) > min_relative_change * abs(before_mean)
                and change > 0
                then 1
            when abs(change) > noise
                and abs(change) > min_relative_change * abs(before_mean)
                and change < 0
                then -1
            else 0
        end as direction
    from movements

),

-- Both series moved measurably that day: the pair is judged.
paired as (

    select
        rules.link_id,
        rules.rule,
        rules.severity,
        rules.check_name,
        rules.model_name,
        rules.name,
        rules.bound,
        first_side.metric_date,
        first_side.before_mean as first_before,
        first_side.after_mean as first_after,
        first_side.noise as first_noise,
        first_side.direction as first_direction,
        second_side.before_mean as second_before,
        second_side.after_mean as second_after,
        second_side.noise as second_noise,
        second_side.direction as second_direction,
        case
            when second_side.before_mean <> 0
                then {{ safe_divide('second_side.change', 'abs(second_side.before_mean)') }}
        end as second_relative_change,
        first_side.direction * rules.first_better as first_way,
        second_side.direction * rules.second_better as second_way
    from rules
    inner join directions as first_side
        on rules.link_id = first_side.link_id
        and first_side.side = 'first'
    inner join directions as second_side
        on first_side.link_id = second_side.link_id
        and first_side.metric_date = second_side.metric_date
        and second_side.side = 'second'

),

classified as (

    select
        *,
        case
            when check_name = 'link' and first_way * second_way < 0 then 'diverged'
            when check_name = 'link' and first_way < 0 and second_way < 0 then 'regressed_together'
            when check_name = 'link' then 'consistent'
            when first_way > 0 and second_way < 0 then 'engagement_without_satisfaction'
            else 'consistent'
        end as movement_verdict
    from paired

),

judged as (

    select
        link_id as rule_id,
        rule,
        severity,
        check_name as kind,
        model_name,
        '__all__' as model_version,
        '__all__' as segment,
        name as metric_name,
        '' as feature_name,
        metric_date,
        second_relative_change as metric_value,
        second_relative_change as checked_value,
        cast(null as bigint) as sample_size,
        bound,
        case when movement_verdict = 'consistent' then 'pass' else 'breach' end as verdict,
        cast(null as string) as reason,
        movement_verdict,
        first_before,
        first_after,
        first_noise,
        first_direction,
        second_before,
        second_after,
        second_noise,
        second_direction
    from classified

),

-- A pair judged on no day says why: a series only the staged rows hold
-- (judged by `mpm run`), a series without values, or too few days.
side_state as (

    select
        published.link_id,
        max(case when published.published_rows = 0 and published.staged then 1 else 0 end)
            as from_staged_rows,
        max(case when published.side = 'first' and points.link_id is null then 1 else 0 end)
            as first_missing,
        max(case when published.side = 'second' and points.link_id is null then 1 else 0 end)
            as second_missing
    from published
    left join sides_with_values as points
        on published.link_id = points.link_id
        and published.side = points.side
    group by published.link_id

),

unjudged as (

    select
        rules.link_id as rule_id,
        rules.rule,
        rules.severity,
        rules.check_name as kind,
        rules.model_name,
        '__all__' as model_version,
        '__all__' as segment,
        rules.name as metric_name,
        '' as feature_name,
        cast(null as date) as metric_date,
        cast(null as double) as metric_value,
        cast(null as double) as checked_value,
        cast(null as bigint) as sample_size,
        rules.bound,
        'not_evaluated' as verdict,
        case
            when side_state.from_staged_rows = 1
                then 'a series comes from staged rows (metrics_daily has none): judged by mpm run only'
            when side_state.first_missing = 1 and side_state.second_missing = 1
                then concat('no series for ', rules.first_model, ' ', rules.first_metric,
                    ' and ', rules.second_model, ' ', rules.second_metric)
            when side_state.first_missing = 1
                then concat('no series for ', rules.first_model, ' ', rules.first_metric)
            when side_state.second_missing = 1
                then concat('no series for ', rules.second_model, ' ', rules.second_metric)
            else concat(
                'fewer than ', cast(rules.min_days_per_window as string),
                ' days with both series in each window'
            )
        end as reason,
        cast(null as string) as movement_verdict,
        cast(null as double) as first_before,
        cast(null as double) as first_after,
        cast(null as double) as first_noise,
        cast(null as bigint) as first_direction,
        cast(null as double) as second_before,
        cast(null as double) as second_after,
        cast(null as double) as second_noise,
        cast(null as bigint) as second_direction
    from rules
    inner join side_state
        on rules.link_id = side_state.link_id
    left join (select distinct rule_id from judged) as judged_pairs
        on rules.link_id = judged_pairs.rule_id
    where judged_pairs.rule_id is null or side_state.from_staged_rows = 1

)

select judged.*
from judged
inner join side_state
    on judged.rule_id = side_state.link_id
where side_state.from_staged_rows = 0
union all
select * from unjudged
