-- The published interface (../shared/CONTRACT.md, section 2): every wide
-- per-day mart, unpivoted to one row per metric per day. Which columns are
-- metrics is declared once, as column meta in each mart's YAML. Long marts
-- (already one row per metric, in these columns) are unioned as they are.
-- A table rebuilt whole every night, on purpose: it is small (one row per
-- metric per day), and some marts restate old days outside the incremental
-- lookback (d7 retention matures a week later, drift follows its reference
-- window), so only a full union equals a full refresh exactly. The heavy
-- per-row work upstream (staging, classification aggregates) stays
-- incremental.

{{ config(schema=target.schema) }}

{%- set wide_marts = [
    'classification_metrics_daily',
    'classification_estimated_daily',
    'ranking_metrics_daily',
    'ranking_beyond_accuracy_daily',
    'regression_metrics_daily',
    'generation_metrics_daily',
    'data_quality_daily',
    'prediction_completeness_daily',
    'business_metrics_daily',
    'drift_numeric_daily',
    'drift_categorical_daily',
    'drift_verdict_daily',
] %}

{#- dbt-spark runs no Python models: no BLEU/ROUGE on Spark (README). #}
{%- if target.type == 'spark' %}
    {%- set wide_marts = wide_marts | reject('equalto', 'generation_metrics_daily') | list %}
{%- endif %}

{%- set long_marts = [
    'data_quality_reasons_daily',
    'offline_online_gap_daily',
] %}

with

unioned as (

    {%- for mart in wide_marts %}
    {{ unpivot_metrics(mart) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- for mart in long_marts %}
    union all
    select
        metric_date,
        model_name,
        model_version,
        segment,
        layer,
        metric_name,
        feature_name,
        metric_value,
        sample_size
    from {{ ref(mart) }}
    {%- endfor %}

)

select
    cast(metric_date as date) as metric_date,
    cast(model_name as string) as model_name,
    cast(model_version as string) as model_version,
    cast(segment as string) as segment,
    cast(layer as string) as layer,
    cast(metric_name as string) as metric_name,
    cast(feature_name as string) as feature_name,
    metric_value,
    sample_size
from unioned
