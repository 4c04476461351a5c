{#-
    The CTEs `reference_sets` and `members` of the incremental reference
    tables (drift_reference_numeric, _ecdf, _categories): which references
    this run computes, and their days.

    A reference is one (model_name, reference_id); its signature is the set
    of its days with data, summarised as n_reference_days and the first and
    last reference_date (stored in every row). A run computes a reference
    only when it is new or its signature changed: a first_days reference
    while the model has fewer days than `days`, a fixed_range one while its
    range fills, one new trailing reference per new day, every reference
    after var `drift_reference` changed (new reference_ids). Otherwise the
    stored reference is kept, so a night costs nothing here.

    The stored reference is frozen: rows that change later on a day it
    already holds (a late re-delivery, a feature delivered late) do not
    change it, as a deployed model's reference sample does not change.
    `dbt build --full-refresh` recomputes every reference from today's rows.
-#}
{% macro drift_reference_members() -%}
    {%- set signature = ['n_reference_days', 'first_reference_date', 'last_reference_date'] -%}
    {%- set ns = namespace(compare=false) -%}
    {%- if execute and is_incremental() -%}
        {%- set stored = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- set ns.compare = signature | reject('in', stored) | list | length == 0 -%}
    {%- endif -%}
reference_signatures as (

    select
        model_name,
        reference_id,
        count(distinct reference_date) as n_reference_days,
        min(reference_date) as first_reference_date,
        max(reference_date) as last_reference_date
    from {{ ref('int_drift_reference_windows') }}
    group by model_name, reference_id

),

reference_sets as (

    select reference_signatures.*
    from reference_signatures
    {%- if ns.compare %}
    left join (
        select distinct
            model_name,
            reference_id,
            n_reference_days,
            first_reference_date,
            last_reference_date
        from {{ this }}
    ) as stored
        on
            reference_signatures.model_name = stored.model_name
            and reference_signatures.reference_id = stored.reference_id
            and reference_signatures.n_reference_days = stored.n_reference_days
            and reference_signatures.first_reference_date = stored.first_reference_date
            and reference_signatures.last_reference_date = stored.last_reference_date
    where stored.model_name is null
    {%- endif %}

),

members as (

    select distinct
        windows.model_name,
        windows.reference_id,
        windows.reference_date
    from {{ ref('int_drift_reference_windows') }} as windows
    inner join reference_sets
        on
            windows.model_name = reference_sets.model_name
            and windows.reference_id = reference_sets.reference_id

)
{%- endmacro %}


{#-
    The config of an incremental reference table: each run replaces whole
    references (model_name, reference_id). DuckDB: delete+insert on that
    key; Spark: insert_overwrite of (model_name, reference_id) partitions.
-#}
{% macro drift_reference_config() -%}
    {%- set settings = {
        'materialized': 'incremental',
        'on_schema_change': 'append_new_columns',
    } -%}
    {%- if target.type == 'spark' -%}
        {%- do settings.update({
            'incremental_strategy': 'insert_overwrite',
            'partition_by': ['model_name', 'reference_id'],
        }) -%}
    {%- else -%}
        {%- do settings.update({
            'incremental_strategy': 'delete+insert',
            'unique_key': ['model_name', 'reference_id'],
        }) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}
