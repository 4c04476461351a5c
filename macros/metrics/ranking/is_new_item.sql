{#- 1 when an item's creation date is 0 to `new_item_days` − 1 days before
    the metric date (default 7: the day itself and the six before), else 0
    (also when the item or its created_at is unknown). -#}
{% macro is_new_item(created_at, metric_date) -%}
    case
        when {{ dbt.datediff(to_date(created_at), metric_date, 'day') }}
            between 0 and {{ var('new_item_days') - 1 }}
            then 1
        else 0
    end
{%- endmacro %}
