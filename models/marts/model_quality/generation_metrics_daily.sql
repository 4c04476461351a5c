-- Every generation metric of the contract per day × model × version ×
-- segment with the __all__ rollups: BLEU and ROUGE from the reference
-- libraries (int_generation_text_scores, a Python model) beside volumes,
-- label maturity and latency in SQL. Incremental by metric_date (the days
-- this run recomputes).

{{ config(**incremental_by_day()) }}

with

predictions as (

    select * from {{ ref('int_predictions_labeled') }}
    where task_type = 'generation'
        and {{ incremental_day_filter('metric_date') }}

),

volumes as (

    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,
        {{ prediction_volumes('is_labeled') }},
        {{ latency_percentiles('latency_ms') }}  -- noqa: PRS, AL02
    from predictions
    group by {{ rollup_grouping_sets() }}

),

text_scores as (

    select
        {{ to_date('metric_date') }} as metric_date,
        cast(model_name as string) as model_name,
        cast(model_version as string) as model_version,
        cast(segment as string) as segment,
        n_references,
        bleu,
        rouge1_f,
        rouge2_f,
        rougel_f
    from {{ ref('int_generation_text_scores') }}
    where {{ incremental_day_filter(to_date('metric_date')) }}

),

final as (

    select
        volumes.metric_date,
        volumes.model_name,
        volumes.model_version,
        volumes.segment,

        ---------- volumes and label maturity
        volumes.n_predictions,
        volumes.n_labeled,
        {{ safe_divide('volumes.n_labeled', 'volumes.n_predictions') }} as label_coverage,
        coalesce(text_scores.n_references, 0) as n_references,

        ---------- overlap with the reference (proxies of quality)
        text_scores.bleu,
        text_scores.rouge1_f,
        text_scores.rouge2_f,
        text_scores.rougel_f,

        ---------- serving latency (all predictions)
        volumes.n_latency,
        volumes.latency_p50_ms,
        volumes.latency_p95_ms,
        volumes.latency_p99_ms

    from volumes
    left join text_scores
        on
            volumes.metric_date = text_scores.metric_date
            and volumes.model_name = text_scores.model_name
            and volumes.model_version = text_scores.model_version
            and volumes.segment = text_scores.segment

)

select * from final
