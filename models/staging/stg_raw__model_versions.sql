-- The model registry (optional source, ../shared/CONTRACT.md section 1):
-- when each version finished training and the newest example it learned
-- from. Absent from the warehouse: no rows, and the staleness checks are
-- not evaluated. One row per model and version (the contract's key): a
-- re-registered version keeps its latest registration.

{%- set relation = source('raw', 'model_versions') %}

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
            cast(null as timestamp) as trained_at,
            cast(null as timestamp) as training_data_end
    ) as absent
    where 1 = 0
    {%- endif %}

),

renamed as (

    select
        ---------- ids
        cast(model_name as string) as model_name,
        cast(model_version as string) as model_version,

        ---------- timestamps
        cast(trained_at as timestamp) as trained_at,
        cast(training_data_end as timestamp) as training_data_end,

        row_number() over (
            partition by model_name, model_version
            order by trained_at desc, training_data_end desc
        ) as registration_rank

    from source
    where model_name is not null and model_version is not null and trained_at is not null

)

select
    model_name,
    model_version,
    trained_at,
    training_data_end
from renamed
where registration_rank = 1
