-- Classification quality estimated from the scores alone, before the labels
-- arrive (../shared/CONTRACT.md, section 3, "Estimated without labels"; the
-- way confidence-based performance estimation does it): every prediction of
-- the day, labeled or not, gets c = the observed positive rate of its score
-- bin in the model's reference window (int_classification_calibration),
-- and the expected confusion matrix at the served labels gives
-- estimated_accuracy, _precision, _recall, _f1; the c-weighted
-- Mann-Whitney sum gives estimated_auc_roc. Per day × model × version ×
-- segment with the __all__ rollups. A day whose predictions fall in a bin
-- the reference never filled (or a model without labeled reference
-- predictions) has no estimate: null, never a guess.
--
-- AUC in O(n log n): rows are aggregated to distinct scores (c is a function
-- of the score, so ties share it) and the negative mass below each score is
-- a running sum over score order, never a self-join:
--   Σ_{i≠j} c_i (1 − c_j) k(s_i, s_j)
--     = Σ_s [ m_s c_s · Σ_{s' < s} m_s' (1 − c_s') + ½ m_s (m_s − 1) c_s (1 − c_s) ]
-- Incremental by metric_date; like the drift marts it also recomputes the
-- days whose reference changed (drift_recompute_days): a late label on a
-- reference day moves the calibration.

{{ config(**incremental_by_day()) }}

{%- set days = drift_recompute_days() %}
{%- set keys = ['metric_date', 'model_name', 'model_version', 'segment'] %}
{%- set running %}
    over (
        partition by {{ keys | join(', ') }} order by score
        rows between unbounded preceding and current row
    )
{%- endset %}

with

day_references as (

    select distinct
        model_name,
        metric_date,
        reference_id
    from {{ ref('int_drift_reference_windows') }}
    where {{ day_list_filter(days, 'metric_date') }}

),

predictions as (

    select
        predictions.metric_date,
        predictions.model_name,
        predictions.model_version,
        predictions.segment,
        predictions.score,
        predictions.predicted_label,
        day_references.reference_id,
        calibration.n_calibration,
        {%- for i in range(1, 20) %}
        calibration.edge_{{ i }},
        {%- endfor %}
        {%- for i in range(20) %}
        calibration.calibration_{{ i }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_classification_predictions') }} as predictions
    left join day_references
        on
            predictions.model_name = day_references.model_name
            and predictions.metric_date = day_references.metric_date
    left join {{ ref('int_classification_calibration') }} as calibration
        on
            day_references.model_name = calibration.model_name
            and day_references.reference_id = calibration.reference_id
    where {{ day_list_filter(days, 'predictions.metric_date') }}

),

binned as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        score,
        predicted_label,
        reference_id,
        n_calibration,
        {%- for i in range(20) %}
        calibration_{{ i }},
        {%- endfor %}
        {{ psi_bin('score', 'edge_', 19) }} as calibration_bin
    from predictions

),

calibrated as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        score,
        predicted_label,
        reference_id,
        n_calibration,
        case calibration_bin
            {%- for i in range(20) %}
            when {{ i }} then calibration_{{ i }}
            {%- endfor %}
        end as calibrated
    from binned

),

score_level as (

    -- One row per distinct score at each rollup level; c is one value per
    -- model, day and score (one reference per model and day), so max() takes it.
    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,
        score,
        count(*) as n_rows,
        sum(case when predicted_label then 1 else 0 end) as n_served_positive,
        sum(case when calibrated is null then 1 else 0 end) as n_uncalibrated,
        max(calibrated) as calibrated,
        max(reference_id) as reference_id,
        max(n_calibration) as n_calibration
    from calibrated
    group by {{ rollup_grouping_sets(['score']) }}

),

weighted as (

    select
        *,
        cast(n_rows as double) * calibrated as positive_mass,
        cast(n_rows as double) * (1 - calibrated) as negative_mass,
        cast(n_served_positive as double) * calibrated as served_positive_mass,
        -- pairs within the tie (i ≠ j), each counted once per order
        cast(n_rows as double) * (n_rows - 1) * calibrated * (1 - calibrated) as tied_pair_mass
    from score_level

),

cumulative as (

    -- decimal running sums: exact, so the same in any evaluation order
    select
        *,
        cast(
            sum(cast(negative_mass as decimal(38, 18))) {{ running }}
            - cast(negative_mass as decimal(38, 18))
            as double
        ) as negative_mass_below,
        cast(
            sum(cast(negative_mass as decimal(38, 18))) over (partition by {{ keys | join(', ') }})
            - cast(negative_mass as decimal(38, 18))
            as double
        ) as negative_mass_elsewhere
    from weighted

),

expected as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        max(reference_id) as reference_id,
        max(n_calibration) as n_calibration,
        sum(n_rows) as n_predictions,
        sum(n_served_positive) as n_served_positive,
        sum(n_uncalibrated) as n_uncalibrated,
        {{ exact_sum('served_positive_mass') }} as expected_true_positives,
        {{ exact_sum('positive_mass') }} as expected_positives,
        {{ exact_sum('positive_mass * negative_mass_below + tied_pair_mass / 2') }} as auc_numerator,
        {{ exact_sum('positive_mass * negative_mass_elsewhere + tied_pair_mass') }} as auc_denominator
    from cumulative
    group by {{ keys | join(', ') }}

),

confusion as (

    -- TP = Σ_P c, FP = Σ_P (1 − c), FN = Σ_N c, TN = Σ_N (1 − c); null
    -- when any prediction has no calibrated rate.
    select
        metric_date,
        model_name,
        model_version,
        segment,
        reference_id,
        n_calibration,
        n_predictions,
        n_uncalibrated,
        case when n_uncalibrated = 0 then expected_true_positives end as expected_true_positives,
        case when n_uncalibrated = 0 then n_served_positive - expected_true_positives end
            as expected_false_positives,
        case when n_uncalibrated = 0 then expected_positives - expected_true_positives end
            as expected_false_negatives,
        case
            when n_uncalibrated = 0
                then (n_predictions - n_served_positive) - (expected_positives - expected_true_positives)
        end as expected_true_negatives,
        case when n_uncalibrated = 0 then auc_numerator end as auc_numerator,
        case when n_uncalibrated = 0 then auc_denominator end as auc_denominator
    from expected

),

final as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        reference_id,
        n_calibration,
        n_predictions,
        n_uncalibrated,
        expected_true_positives,
        expected_false_positives,
        expected_false_negatives,
        expected_true_negatives,
        {{ safe_divide('expected_true_positives + expected_true_negatives', 'n_predictions') }}
            as estimated_accuracy,
        {{ safe_divide('expected_true_positives', 'expected_true_positives + expected_false_positives') }}
            as estimated_precision,
        {{ safe_divide('expected_true_positives', 'expected_true_positives + expected_false_negatives') }}
            as estimated_recall,
        {{ safe_divide(
            '2 * expected_true_positives',
            '2 * expected_true_positives + expected_false_positives + expected_false_negatives') }}
            as estimated_f1,
        {{ safe_divide('auc_numerator', 'auc_denominator') }} as estimated_auc_roc
    from confusion

)

select * from final
