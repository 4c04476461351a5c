-- One row per served list: its keys, whether exploration served it, whether
-- any judgment (relevant or not) has arrived for it, and for each K of
-- var('ranking_k') what its top K earned (ranking_list_gains) against the
-- ideal list (ranking_ideal_dcg).
--
-- Incremental by metric_date: a run reads the served lists of the days it
-- recomputes and the judgments of those lists only.

{{ config(**incremental_by_day()) }}

{%- set ks = var('ranking_k') %}

with

served as (

    select * from {{ ref('int_ranking_served') }}
    where {{ incremental_day_filter('metric_date') }}

),

lists as (

    select
        request_id,
        metric_date,
        model_name,
        model_version,
        segment,
        max(is_exploration_list) as is_exploration_list,
        count(*) as n_served,
        {%- for k in ks %}
        {{ ranking_list_gains(k) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from served
    group by request_id, metric_date, model_name, model_version, segment

),

ideal as (

    select
        request_id,
        count(*) as n_relevant,
        {%- for k in ks %}
        {{ ranking_ideal_dcg(k) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_ranking_judgments') }}
    {%- if is_incremental() %}
    where request_id in (select served.request_id from served)
    {%- endif %}
    group by request_id

),

judged as (

    select distinct request_id
    from {{ ref('stg_raw__labels') }}
    where label_kind = 'ranking_judgment'
    {%- if is_incremental() %}
        and request_id in (select served.request_id from served)
    {%- endif %}

)

select
    lists.*,
    judged.request_id is not null as has_judgment,
    coalesce(ideal.n_relevant, 0) as n_relevant,
    {%- for k in ks %}
    coalesce(ideal.ideal_dcg_at_{{ k }}, 0.0) as ideal_dcg_at_{{ k }}{{ ',' if not loop.last }}
    {%- endfor %}
from lists
left join ideal
    on lists.request_id = ideal.request_id
left join judged
    on lists.request_id = judged.request_id
