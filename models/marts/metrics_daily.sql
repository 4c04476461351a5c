-- The published interface (../shared/CONTRACT.md, section 2): every wide
-- per-day mart, unpivoted to one row per metric per day. Which columns are
-- metrics is declared once, as column meta in each mart's YAML.

{{ config(schema=target.schema) }}

{%- set wide_marts = [
    'classification_metrics_daily',
    'data_quality_daily',
    'drift_numeric_daily',
    'drift_categorical_daily',
    'drift_verdict_daily',
] %}

with

unioned as (

    {%- for mart in wide_marts %}
    {{ unpivot_metrics(mart) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
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
