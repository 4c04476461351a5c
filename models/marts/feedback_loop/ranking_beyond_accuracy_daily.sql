-- What a recommender does to its own catalog, per day × model × version ×
-- segment with the __all__ rollups, over every served list (labeled or
-- not), for each K of var('ranking_k'): catalog coverage, intra-list
-- diversity, exposure Gini and new-item share, plus the exploration share.
-- These move before accuracy does when a model feeds on its own clicks.
--
-- Incremental by metric_date (the days this run recomputes): every value
-- of a day reads that day's lists only. New-item share compares an item's
-- catalog created_at with the day, and catalog coverage counts the
-- catalog (stg_raw__items, one row per item) as of the day, so neither
-- needs the history of impressions.

{{ config(**incremental_by_day()) }}

{%- set ks = var('ranking_k') %}
{%- set keys = ['metric_date', 'model_name', 'model_version', 'segment'] %}
{{ require_metric_columns(model.name, ['catalog_coverage', 'intra_list_diversity', 'exposure_gini', 'new_item_share'], ks) }}

with

served as (

    select * from {{ ref('int_ranking_served') }}
    where {{ incremental_day_filter('metric_date') }}

),

depths as (

    {%- for k in ks %}
    select {{ k }} as k
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

top_k as (

    select
        served.*,
        depths.k,
        {{ is_new_item('served.created_at', 'served.metric_date') }} as is_new_item
    from served
    inner join depths
        on served.position <= depths.k

),

---------- catalog: items created on or before the day (unknown creation counts)
days as (

    select distinct metric_date from served

),

catalog as (

    select
        days.metric_date,
        count(distinct items.item_id) as n_catalog_items
    from days
    cross join {{ ref('stg_raw__items') }} as items
    where items.created_at is null or {{ to_date('items.created_at') }} <= days.metric_date
    group by days.metric_date

),

---------- slots: coverage and new-item share
slots as (

    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,
        k,
        count(*) as n_slots,
        sum(is_new_item) as n_new_item_slots,
        count(distinct item_id) as n_distinct_items
    from top_k
    group by {{ rollup_grouping_sets(['k']) }}

),

---------- diversity: share of differing-category pairs, per list then mean
list_categories as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        request_id,
        k,
        category,
        count(*) as n_in_category
    from top_k
    group by metric_date, model_name, model_version, segment, request_id, k, category

),

list_diversity as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        request_id,
        k,
        {{ intra_list_diversity('sum(n_in_category)', 'sum(n_in_category * (n_in_category - 1)) / 2.0') }}
            as diversity
    from list_categories
    group by metric_date, model_name, model_version, segment, request_id, k

),

diversity as (

    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,
        k,
        count(diversity) as n_diversity_lists,
        {{ safe_divide(exact_sum('diversity'), 'count(diversity)') }} as intra_list_diversity
    from list_diversity
    group by {{ rollup_grouping_sets(['k']) }}

),

---------- exposure: Gini of top-K impressions over the items shown
item_exposure as (

    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,
        k,
        item_id,
        count(*) as exposures
    from top_k
    group by {{ rollup_grouping_sets(['k', 'item_id']) }}

),

exposure_ranked as (

    select
        *,
        row_number() over (
            partition by metric_date, model_name, model_version, segment, k
            order by exposures asc, item_id asc
        ) as exposure_index
    from item_exposure

),

exposure as (

    select
        metric_date,
        model_name,
        model_version,
        segment,
        k,
        {{ gini_coefficient('sum(exposure_index * exposures)', 'count(*)', 'sum(exposures)') }}
            as exposure_gini
    from exposure_ranked
    group by metric_date, model_name, model_version, segment, k

),

by_depth as (

    select
        slots.*,
        diversity.n_diversity_lists,
        diversity.intra_list_diversity,
        exposure.exposure_gini,
        {{ safe_divide('slots.n_distinct_items', 'catalog.n_catalog_items') }} as catalog_coverage,
        {{ safe_divide('slots.n_new_item_slots', 'slots.n_slots') }} as new_item_share
    from slots
    left join diversity
        on
            slots.metric_date = diversity.metric_date
            and slots.model_name = diversity.model_name
            and slots.model_version = diversity.model_version
            and slots.segment = diversity.segment
            and slots.k = diversity.k
    left join exposure
        on
            slots.metric_date = exposure.metric_date
            and slots.model_name = exposure.model_name
            and slots.model_version = exposure.model_version
            and slots.segment = exposure.segment
            and slots.k = exposure.k
    left join catalog
        on slots.metric_date = catalog.metric_date

),

---------- lists: exploration share
lists as (

    select
        metric_date,
        model_name,
        {{ rollup_key('model_version') }} as model_version,
        {{ rollup_key('segment') }} as segment,
        count(*) as n_lists,
        sum(is_exploration_list) as n_exploration_lists
    from {{ ref('int_ranking_requests') }}
    where {{ incremental_day_filter('metric_date') }}
    group by {{ rollup_grouping_sets() }}

),

final as (

    select
        lists.metric_date,
        lists.model_name,
        lists.model_version,
        lists.segment,
        lists.n_lists,
        {%- for k in ks %}

        ---------- depth {{ k }}
        max(case when by_depth.k = {{ k }} then by_depth.n_slots end) as n_slots_at_{{ k }},
        max(case when by_depth.k = {{ k }} then by_depth.n_diversity_lists end)
            as n_diversity_lists_at_{{ k }},
        {%- for name in ['catalog_coverage', 'intra_list_diversity', 'exposure_gini', 'new_item_share'] %}
        max(case when by_depth.k = {{ k }} then by_depth.{{ name }} end) as {{ name }}_at_{{ k }},
        {%- endfor %}
        {%- endfor %}

        ---------- lists
        {{ safe_divide('lists.n_exploration_lists', 'lists.n_lists') }} as exploration_share
    from lists
    left join by_depth
        on
            lists.metric_date = by_depth.metric_date
            and lists.model_name = by_depth.model_name
            and lists.model_version = by_depth.model_version
            and lists.segment = by_depth.segment
    group by
        lists.metric_date,
        lists.model_name,
        lists.model_version,
        lists.segment,
        lists.n_lists,
        lists.n_exploration_lists

)

select * from final
