-- Every classification metric of the contract, per day × model × version ×
-- segment with the __all__ rollups: served-label rates, rank metrics,
-- calibration, latency and served-label consistency. Incremental by
-- metric_date (the days this run recomputes).

{{ config(**incremental_by_day()) }}

{%- set keys = ['metric_date', 'model_name', 'model_version', 'segment'] %}

with

predictions as (

    select * from {{ ref('int_classification_predictions') }}
    where {{ incremental_day_filter('metric_date') }}

),

row_level as (

    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,

        ---------- volumes
        count(*) as n_predictions,
        sum(case when is_labeled then 1 else 0 end) as n_labeled,
        sum(case when predicted_label is not null then 1 else 0 end) as n_served_labels,
        sum(case when predicted_label then 1 else 0 end) as n_predicted_positive,

        ---------- served labels against the truth
        sum(case when is_labeled and predicted_label and label = 1 then 1 else 0 end)
            as true_positives,
        sum(case when is_labeled and predicted_label and label = 0 then 1 else 0 end)
            as false_positives,
        sum(case when is_labeled and not predicted_label and label = 0 then 1 else 0 end)
            as true_negatives,
        sum(case when is_labeled and not predicted_label and label = 1 then 1 else 0 end)
            as false_negatives,
        sum(case when is_labeled then label else 0 end) as n_positive_labels,

        ---------- probabilities against the truth
        sum(case when is_labeled and score is not null then 1 else 0 end) as n_scored_labeled,
        -- exact_sum: the same rows give the same bits in any order (incremental runs).
        {{ exact_sum("case when is_labeled and score is not null then " ~ log_loss_term('score', 'label') ~ " end") }}
            as log_loss_sum,
        {{ exact_sum('case when is_labeled and score is not null then (score - label) * (score - label) end') }}
            as brier_sum,

        ---------- what was served against the rule it claims to follow
        sum(
            case
                when score is not null and threshold is not null and predicted_label is not null
                    then 1 else 0
            end
        ) as n_consistency_checked,
        sum(
            case
                when score is not null and threshold is not null and predicted_label is not null
                    and predicted_label = (score >= threshold)
                    then 1 else 0
            end
        ) as n_consistent,
        {{ safe_divide(exact_sum('threshold'), 'count(threshold)') }} as serving_threshold

    from predictions
    group by {{ rollup_grouping_sets() }}

),

latency as (

    -- Apart from the sums above: with a percentile (holistic) in the same
    -- query DuckDB aggregates the rows once per grouping set; alone, the
    -- sums are aggregated once and rolled up from the finest set.
    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,

        ---------- serving latency (all predictions)
        {{ latency_percentiles('latency_ms') }}  -- noqa: PRS, AL02

    from predictions
    group by {{ rollup_grouping_sets() }}

),

rank_statistics as (

    select * from {{ ref('int_classification_rank_statistics') }}
    where {{ incremental_day_filter('metric_date') }}

),

calibration_rows as (

    select
        *,
        least(floor(score * {{ var('ece_bins') }}), {{ var('ece_bins') }} - 1) as calibration_bin
    from predictions
    where is_labeled and score is not null

),

calibration_bins as (

    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,
        calibration_bin,
        sum(label) as label_sum,
        cast(sum(cast(score as decimal(38, 18))) as decimal(38, 18)) as score_sum
    from calibration_rows
    group by {{ rollup_grouping_sets(['calibration_bin']) }}

),

calibration as (

    -- ECE = Σ_bins (n_b / n) · |mean label_b − mean score_b| = Σ_bins |Σ label − Σ score| / n
    select
        {{ keys | join(', ') }},
        -- decimal throughout: exact, so independent of the order of the bins
        cast(sum(abs(label_sum - score_sum)) as double) as calibration_gap_sum
    from calibration_bins
    group by {{ keys | join(', ') }}

),

final as (

    select
        row_level.metric_date,
        row_level.model_name,
        row_level.model_version,
        row_level.segment,

        ---------- volumes and label maturity
        row_level.n_predictions,
        row_level.n_labeled,
        {{ safe_divide('row_level.n_labeled', 'row_level.n_predictions') }} as label_coverage,
        row_level.true_positives + row_level.false_positives
        + row_level.true_negatives + row_level.false_negatives as n_confusion,
        row_level.n_scored_labeled,

        ---------- served-label rates
        row_level.true_positives,
        row_level.false_positives,
        row_level.true_negatives,
        row_level.false_negatives,
        {{ served_label_rates(
            'row_level.true_positives', 'row_level.false_positives',
            'row_level.true_negatives', 'row_level.false_negatives') }},
        {{ safe_divide('row_level.n_positive_labels', 'row_level.n_labeled') }} as base_rate,
        {{ safe_divide('row_level.n_predicted_positive', 'row_level.n_served_labels') }}
            as predicted_positive_rate,
        row_level.n_served_labels,

        ---------- ranking and calibration of the scores
        rank_statistics.auc_roc,
        rank_statistics.average_precision,
        {{ safe_divide('row_level.log_loss_sum', 'row_level.n_scored_labeled') }} as log_loss,
        {{ safe_divide('row_level.brier_sum', 'row_level.n_scored_labeled') }} as brier_score,
        {{ safe_divide('calibration.calibration_gap_sum', 'row_level.n_scored_labeled') }} as ece,

        ---------- serving
        row_level.serving_threshold,
        row_level.n_consistency_checked,
        {{ safe_divide('row_level.n_consistent', 'row_level.n_consistency_checked') }}
            as served_label_consistency,
        latency.n_latency,
        latency.latency_p50_ms,
        latency.latency_p95_ms,
        latency.latency_p99_ms

    from row_level
    inner join latency
        on
            row_level.metric_date = latency.metric_date
            and row_level.model_name = latency.model_name
            and row_level.model_version = latency.model_version
            and row_level.segment = latency.segment
    left join rank_statistics
        on
            row_level.metric_date = rank_statistics.metric_date
            and row_level.model_name = rank_statistics.model_name
            and row_level.model_version = rank_statistics.model_version
            and row_level.segment = rank_statistics.segment
    left join calibration
        on
            row_level.metric_date = calibration.metric_date
            and row_level.model_name = calibration.model_name
            and row_level.model_version = calibration.model_version
            and row_level.segment = calibration.segment

)

select * from final
