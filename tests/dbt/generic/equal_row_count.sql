{#-
    Fails when the model has a different number of rows than
    compare_model (optionally filtered): the guard on every join that must
    be 1:1, because a fan-out silently double-counts every metric after it.
-#}
{% test equal_row_count(model, compare_model, compare_filter=none) %}

with

model_rows as (

    select count(*) as n from {{ model }}

),

compare_rows as (

    select count(*) as n from {{ compare_model }}
    {% if compare_filter %}where {{ compare_filter }}{% endif %}

)

select
    model_rows.n as model_rows,
    compare_rows.n as compare_rows
from model_rows
cross join compare_rows
where model_rows.n <> compare_rows.n

{% endtest %}
