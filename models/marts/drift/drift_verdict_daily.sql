-- Which kind of drift each model shows each day, so a PM knows whether to
-- retrain or to investigate (the seed's distinction):
--   data_drift     the inputs moved (a feature's PSI reached psi_moved);
--   concept_drift  the inputs stayed put but quality fell against the
--                  reference (the label relationship changed: spammers adapt);
--   label_drift    inputs and quality held but the label mean moved;
--   none           nothing moved; not_evaluated when no signal could be read.
-- Every knob is in var `drift_verdict`; the reference days are those of the
-- drift marts (var `drift_reference`).
--
-- Incremental by metric_date: a night recomputes the days of
-- drift_recompute_days (the drift marts' days: a day is recomputed when its
-- own rows or labels changed or when those of one of its reference days
-- did, since the reference label and quality means move with them), and
-- reads labels and quality of those days and of their reference days only.

{{ config(**incremental_by_day()) }}

{%- set cfg = var('drift_verdict') %}
{%- set quality = cfg.get('quality_metrics', {}) %}
{%- set days = drift_recompute_days() %}
{%- set read_days = drift_recompute_days(with_reference_days=true) %}

with

windows as (

    select * from {{ ref('int_drift_reference_windows') }}
    where {{ day_list_filter(days, 'metric_date') }}

),

drift as (

    select
        metric_date,
        model_name,
        feature_name,
        psi
    from {{ ref('drift_numeric_daily') }}
    where {{ day_list_filter(days, 'metric_date') }}
    union all
    select
        metric_date,
        model_name,
        feature_name,
        psi
    from {{ ref('drift_categorical_daily') }}
    where {{ day_list_filter(days, 'metric_date') }}

),

---------- inputs: the most shifted input feature of the day

ranked_inputs as (

    select
        metric_date,
        model_name,
        feature_name,
        psi,
        row_number() over (
            partition by metric_date, model_name order by psi desc, feature_name asc
        ) as psi_rank
    from drift
    where feature_name <> '__prediction__' and psi is not null

),

inputs as (

    select
        metric_date,
        model_name,
        max(case when psi_rank = 1 then feature_name end) as most_drifted_feature,
        max(psi) as max_feature_psi,
        sum(case when psi >= {{ cfg['psi_moved'] }} then 1 else 0 end) as n_features_drifted
    from ranked_inputs
    group by metric_date, model_name

),

prediction_drift as (

    select
        metric_date,
        model_name,
        psi as prediction_psi
    from drift
    where feature_name = '__prediction__'

),

---------- labels: the day's label mean against the reference's

label_days as (

    select
        metric_date,
        model_name,
        count(*) as n_predictions,
        sum(case when is_labeled and actual_value is not null then 1 else 0 end) as n_labeled,
        -- exact_sum: the same bits in any row order (incremental nights)
        {{ exact_sum('case when is_labeled then actual_value end') }} as label_sum,
        {{ exact_sum('case when is_labeled then actual_value * actual_value end') }} as label_square_sum
    from {{ ref('int_predictions_labeled') }}
    where
        task_type in ('binary_classification', 'regression')
        and {{ day_list_filter(read_days, 'metric_date') }}
    group by metric_date, model_name

),

label_reference as (

    select
        windows.metric_date,
        windows.model_name,
        sum(label_days.n_labeled) as n_labeled,
        {{ exact_sum('label_days.label_sum') }} as label_sum,
        {{ exact_sum('label_days.label_square_sum') }} as label_square_sum
    from windows
    inner join label_days
        on
            windows.model_name = label_days.model_name
            and windows.reference_date = label_days.metric_date
    group by windows.metric_date, windows.model_name

),

labels as (

    select
        label_days.metric_date,
        label_days.model_name,
        label_days.n_predictions,
        label_days.n_labeled,
        {{ safe_divide('label_days.n_labeled', 'label_days.n_predictions') }} as label_coverage,
        {{ safe_divide('label_days.label_sum', 'label_days.n_labeled') }} as label_mean,
        {{ safe_divide('label_reference.label_sum', 'label_reference.n_labeled') }} as reference_label_mean,
        label_days.label_square_sum,
        label_days.label_sum,
        label_reference.n_labeled as reference_n_labeled,
        label_reference.label_sum as reference_label_sum,
        label_reference.label_square_sum as reference_label_square_sum
    from label_days
    left join label_reference
        on
            label_days.metric_date = label_reference.metric_date
            and label_days.model_name = label_reference.model_name

),

label_shift as (

    select
        *,
        label_mean - reference_label_mean as label_mean_change,
        -- Welch-style z: the change over its standard error, with each side's
        -- variance from its sum of squares.
        {{ safe_divide(
            'abs(label_mean - reference_label_mean)',
            'sqrt(greatest(' ~ safe_divide('label_square_sum', 'n_labeled') ~ ' - label_mean * label_mean, 0) / n_labeled'
            ~ ' + greatest(' ~ safe_divide('reference_label_square_sum', 'reference_n_labeled')
            ~ ' - reference_label_mean * reference_label_mean, 0) / reference_n_labeled)'
        ) }} as label_shift_z
    from labels

),

---------- quality: the declared metric of each task against its reference days

quality_days as (

    {%- for task, spec in quality.items() %}
    select
        metric_date,
        model_name,
        cast({{ spec['column'] }} as double) as quality_value,
        {{ 1 if spec.get('higher_is_better', true) else -1 }} as quality_direction
    from {{ ref(spec['mart']) }}
    where
        model_version = '__all__' and segment = '__all__'
        and {{ day_list_filter(read_days, 'metric_date') }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as date) as metric_date,
        cast(null as string) as model_name,
        cast(null as double) as quality_value,
        1 as quality_direction
    where 1 = 0
    {%- endfor %}

),

-- mean and sample standard deviation (two passes) with exact_sum: the
-- same bits whatever order the reference days' rows are read in, so an
-- incremental night equals a full refresh exactly
quality_reference_values as (

    select
        windows.metric_date,
        windows.model_name,
        quality_days.quality_value
    from windows
    inner join quality_days
        on
            windows.model_name = quality_days.model_name
            and windows.reference_date = quality_days.metric_date

),

quality_reference_means as (

    select
        metric_date,
        model_name,
        count(quality_value) as n_reference_values,
        {{ safe_divide(exact_sum('quality_value'), 'count(quality_value)') }} as reference_quality
    from quality_reference_values
    group by metric_date, model_name

),

quality_reference as (

    select
        quality_reference_means.metric_date,
        quality_reference_means.model_name,
        max(quality_reference_means.reference_quality) as reference_quality,
        case
            when max(quality_reference_means.n_reference_values) > 1
                then sqrt({{ exact_sum(
                    '(quality_reference_values.quality_value - quality_reference_means.reference_quality)'
                    ~ ' * (quality_reference_values.quality_value - quality_reference_means.reference_quality)'
                ) }} / (max(quality_reference_means.n_reference_values) - 1))
        end as reference_quality_sd
    from quality_reference_means
    inner join quality_reference_values
        on
            quality_reference_means.metric_date = quality_reference_values.metric_date
            and quality_reference_means.model_name = quality_reference_values.model_name
    group by quality_reference_means.metric_date, quality_reference_means.model_name

),

quality as (

    select
        quality_days.metric_date,
        quality_days.model_name,
        quality_days.quality_value,
        quality_reference.reference_quality,
        quality_reference.reference_quality_sd,
        -- positive = worse, whichever way the metric points
        quality_days.quality_direction * (quality_reference.reference_quality - quality_days.quality_value)
            as quality_drop
    from quality_days
    inner join quality_reference
        on
            quality_days.metric_date = quality_reference.metric_date
            and quality_days.model_name = quality_reference.model_name

),

---------- the verdict

model_days as (

    select distinct
        metric_date,
        model_name,
        reference_id
    from windows

),

flags as (

    select
        model_days.metric_date,
        model_days.model_name,
        '__all__' as model_version,
        '__all__' as segment,
        model_days.reference_id,
        coalesce(label_shift.n_predictions, 0) as n_predictions,
        coalesce(label_shift.n_labeled, 0) as n_labeled,
        inputs.most_drifted_feature,
        inputs.max_feature_psi,
        inputs.n_features_drifted,
        prediction_drift.prediction_psi,
        label_shift.label_coverage,
        label_shift.label_mean,
        label_shift.reference_label_mean,
        label_shift.label_mean_change,
        label_shift.label_shift_z,
        quality.quality_value,
        quality.reference_quality,
        quality.reference_quality_sd,
        quality.quality_drop,
        case
            when inputs.max_feature_psi is null then null
            when inputs.max_feature_psi >= {{ cfg['psi_moved'] }} then 1
            else 0
        end as inputs_moved,
        case
            when quality.quality_drop is null or quality.reference_quality_sd is null then null
            when label_shift.label_coverage < {{ cfg['min_label_coverage'] }} then null
            when quality.quality_drop >= {{ cfg['min_quality_drop'] }}
                and quality.quality_drop >= {{ cfg['quality_k_sigma'] }} * quality.reference_quality_sd
                then 1
            else 0
        end as quality_fell,
        case
            when label_shift.label_shift_z is null then null
            when label_shift.label_coverage < {{ cfg['min_label_coverage'] }} then null
            when label_shift.label_shift_z >= {{ cfg['label_k_sigma'] }}
                and abs(label_shift.label_mean_change) >= {{ cfg['min_label_change'] }}
                then 1
            else 0
        end as labels_moved
    from model_days
    left join inputs
        on
            model_days.metric_date = inputs.metric_date
            and model_days.model_name = inputs.model_name
    left join prediction_drift
        on
            model_days.metric_date = prediction_drift.metric_date
            and model_days.model_name = prediction_drift.model_name
    left join label_shift
        on
            model_days.metric_date = label_shift.metric_date
            and model_days.model_name = label_shift.model_name
    left join quality
        on
            model_days.metric_date = quality.metric_date
            and model_days.model_name = quality.model_name

),

final as (

    select
        *,
        {{ drift_verdict('inputs_moved', 'quality_fell', 'labels_moved') }} as drift_verdict,
        case when inputs_moved = 1 then most_drifted_feature else '' end as drifted_feature,
        case when {{ drift_verdict('inputs_moved', 'quality_fell', 'labels_moved') }} = 'data_drift' then 1
            when inputs_moved is null then null else 0 end as data_drift_detected,
        case when {{ drift_verdict('inputs_moved', 'quality_fell', 'labels_moved') }} = 'concept_drift' then 1
            when quality_fell is null then null else 0 end as concept_drift_detected,
        case when {{ drift_verdict('inputs_moved', 'quality_fell', 'labels_moved') }} = 'label_drift' then 1
            when labels_moved is null then null else 0 end as label_drift_detected
    from flags

)

select * from final
