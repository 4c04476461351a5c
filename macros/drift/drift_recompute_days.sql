{#-
    The days an incremental drift mart recomputes in this run, as a sorted
    list of 'YYYY-MM-DD' strings, or none when the mart is built whole
    (first run, `--full-refresh`, a table stored without reference_id).

    On top of incremental_days (the lookback and the days whose labels
    changed), a drift value also changes when its reference does, so:
      * every day whose reference window holds one of those days: during a
        model's first days a new day joins its first_days reference, a
        trailing window covers the recomputed days, and labels revised on a
        reference day move the verdict's reference label and quality means;
      * every stored day whose reference_id is no longer the current one
        (var `drift_reference` changed): such a night recomputes every day.
    with_reference_days: also the reference days of those days, which the
    verdict mart reads (labels, quality) to compute their reference means.

    The rows of int_drift_reference_windows are cheap (one per model, day
    and reference day); the mart then reads only these days' observations.
-#}
{% macro drift_recompute_days(with_reference_days=false) -%}
    {%- set days = incremental_days() -%}
    {%- if days is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set stored = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'reference_id' not in stored -%}
        {#- Stored by a version that built the mart whole: rebuild it whole once. -#}
        {{ return(none) }}
    {%- endif -%}
    {%- set windows = ref('int_drift_reference_windows') -%}
    {%- set query -%}
        with

        windows as (

            select distinct
                model_name,
                metric_date,
                reference_id,
                reference_date
            from {{ windows }}

        ),

        recomputed as (

            select metric_date
            from windows
            where {{ day_list_filter(days, 'metric_date') }} or {{ day_list_filter(days, 'reference_date') }}
            union
            select current_days.metric_date
            from (select distinct model_name, metric_date, reference_id from windows) as current_days
            inner join (select distinct model_name, metric_date, reference_id from {{ this }}) as stored
                on
                    current_days.model_name = stored.model_name
                    and current_days.metric_date = stored.metric_date
            where current_days.reference_id <> stored.reference_id

        )

        select metric_date from recomputed
        {%- if with_reference_days %}
        union
        select windows.reference_date
        from windows
        inner join recomputed
            on windows.metric_date = recomputed.metric_date
        {%- endif %}
    {%- endset -%}
    {%- set found = [] -%}
    {%- for day in days -%}
        {%- do found.append(day) -%}
    {%- endfor -%}
    {%- for value in run_query(query).columns[0].values() -%}
        {%- set day = (value | string)[:10] -%}
        {%- if day not in found -%}
            {%- do found.append(day) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found | sort) }}
{%- endmacro %}
