{#-
    var_pop() whose bits do not depend on the order rows arrive in: the
    streaming variance adds rows one by one, so on DuckDB the rows are fed
    sorted by value (an ordered aggregate). Spark has no ordered aggregates;
    there it is the plain var_pop (Spark adds a partition's rows in the
    order it reads them).
-#}
{% macro ordered_var_pop(expr) -%}
    {%- if target.type == 'duckdb' -%}
        var_pop({{ expr }} order by {{ expr }})
    {%- else -%}
        var_pop({{ expr }})
    {%- endif -%}
{%- endmacro %}
