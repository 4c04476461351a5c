-- Each version's test-set metrics (optional source, ../shared/CONTRACT.md
-- section 1), the offline side of the offline-vs-online gap. Absent from
-- the warehouse: no rows, and the gap checks are not evaluated. One value
-- per model, version and metric (the contract's key): a repeated row
-- keeps the largest value.

{%- set relation = source('raw', 'offline_metrics') %}

with

source as (

    {%- if source_exists(relation) %}
    select * from {{ relation }}
    {%- else %}
    -- an absent optional table: no rows, the contract's columns
    select * from (
        select
            cast(null as string) as model_name,
            cast(null as string) as model_version,
            cast(null as string) as metric_name,
            cast(null as double) as metric_value
    ) as absent
    where 1 = 0
    {%- endif %}

),

renamed as (

    select
        ---------- ids
        cast(model_name as string) as model_name,
        cast(model_version as string) as model_version,
        cast(metric_name as string) as metric_name,

        ---------- numbers
        cast(metric_value as double) as metric_value

    from source
    where
        model_name is not null and model_version is not null
        and metric_name is not null and metric_value is not null

)

select
    model_name,
    model_version,
    metric_name,
    max(metric_value) as metric_value
from renamed
group by model_name, model_version, metric_name
