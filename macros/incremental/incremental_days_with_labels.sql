{#-
    For models that place label rows on the day of their own labeled_at
    (data_quality_reasons_daily, source_reconciliation_daily): the days of
    incremental_days() plus every day holding a label row of a key (a
    prediction_id, or a ranking request) that received a label since the
    previous run's high-water mark. A new label opens or changes its own
    day, which may lie after the latest prediction; a revision turns the
    key's older label rows from current into superseded on their days.
    None when the model is built whole; with no stored mark, every label
    day. Sorted 'YYYY-MM-DD' strings, like incremental_days().
-#}
{% macro incremental_days_with_labels() -%}
    {%- set days = incremental_days() -%}
    {%- if days is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set mark = incremental_previous_mark() -%}
    {%- set labels = source('raw', 'labels') -%}
    {%- set sql -%}
        select distinct {{ to_date('labeled_at') }} as label_date
        from {{ labels }}
        where labeled_at is not null and {{ as_of_filter('labeled_at') }}
        {%- if mark is not none %}
            and (
                prediction_id in (
                    select changed.prediction_id from {{ labels }} as changed
                    where changed.labeled_at > cast('{{ mark }}' as timestamp)
                        and {{ as_of_filter('changed.labeled_at') }}
                )
                or request_id in (
                    select changed.request_id from {{ labels }} as changed
                    where changed.labeled_at > cast('{{ mark }}' as timestamp)
                        and {{ as_of_filter('changed.labeled_at') }}
                )
            )
        {%- endif %}
    {%- endset -%}
    {%- set all_days = days | list -%}
    {%- for value in run_query(sql).columns[0].values() -%}
        {%- set text = (value | string)[:10] -%}
        {%- if value is not none and text not in all_days -%}
            {%- do all_days.append(text) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(all_days | sort) }}
{%- endmacro %}
