{#-
    sum() of a double that does not depend on the order the rows are added
    in: each term is fixed to 18 decimal places (far below the contract's
    1e-9 tolerance) and summed as a decimal, which is exact. Floating-point
    addition is not associative, and a parallel aggregate adds in whatever
    order the threads finish, so a plain sum(double) can differ in the last
    bit between two runs on the same rows; the incremental models promise
    that the same night twice is byte-identical and that an incremental
    night equals a full refresh exactly. Returns a double. Exact per
    engine, not across engines: DuckDB casts a double to decimal(38, 18)
    through a scaled double, Spark exactly, so the two can differ in the
    last bit (far inside the contract's 1e-9).
-#}
{% macro exact_sum(expr) -%}
    cast(sum(cast({{ expr }} as decimal(38, 18))) as double)
{%- endmacro %}
