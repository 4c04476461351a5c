-- Every ranking accuracy metric of the contract for each K of
-- var('ranking_k'), per day × model × version × segment with the __all__
-- rollups, equal to ranx (trec_eval semantics, linear-gain NDCG, graded
-- relevance), with volumes, label maturity and latency. Incremental by
-- metric_date (the days this run recomputes).

{{ config(**incremental_by_day()) }}

{%- set ks = var('ranking_k') %}
{%- set keys = ['metric_date', 'model_name', 'model_version', 'segment'] %}
{{ require_metric_columns(model.name, ['precision', 'recall', 'ndcg', 'mrr', 'map', 'hit_rate'], ks) }}

with

predictions as (

    -- every served row, for volumes and latency; a row is labeled once any
    -- judgment of its list has arrived (unjudged items are not relevant)
    select
        predictions.metric_date,
        predictions.model_name,
        predictions.model_version,
        predictions.segment,
        predictions.latency_ms,
        coalesce(requests.has_judgment, false) as is_labeled
    from {{ ref('stg_raw__predictions') }} as predictions
    left join {{ ref('int_ranking_requests') }} as requests
        on predictions.request_id = requests.request_id
    where predictions.task_type = 'ranking'
        and {{ incremental_day_filter('predictions.metric_date') }}

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

accuracy as (

    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,
        count(*) as n_lists,
        sum(case when n_relevant > 0 then 1 else 0 end) as n_evaluated_lists,
        {%- for k in ks %}
        {{ ranking_accuracy_means(k) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_ranking_requests') }}
    where {{ incremental_day_filter('metric_date') }}
    group by {{ rollup_grouping_sets() }}

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
        coalesce(accuracy.n_lists, 0) as n_lists,
        coalesce(accuracy.n_evaluated_lists, 0) as n_evaluated_lists,

        ---------- accuracy at each K (lists with a relevant judged item)
        {%- for k in ks %}
        {%- for name in ['precision', 'recall', 'ndcg', 'mrr', 'map', 'hit_rate'] %}
        accuracy.{{ name }}_at_{{ k }},
        {%- endfor %}
        {%- endfor %}

        ---------- serving latency (all served rows)
        volumes.n_latency,
        volumes.latency_p50_ms,
        volumes.latency_p95_ms,
        volumes.latency_p99_ms

    from volumes
    left join accuracy
        on
            volumes.metric_date = accuracy.metric_date
            and volumes.model_name = accuracy.model_name
            and volumes.model_version = accuracy.model_version
            and volumes.segment = accuracy.segment

)

select * from final
