{#-
    The rows of a compiled declaration (the rules of the thresholds file,
    the links of the links file): the var `var_name` when `mpm run` passes
    the ones it loaded (they differ from the committed seed), else the seed
    `seed_name` a plain `dbt build` reads. `columns` is a list of (name,
    type); every value is cast to its type, so the seed and the var give
    the same relation on every engine (an empty string cell is null on
    every engine, macro seed_string). Both forms are written by
    python_checks/declare/rules_seed.py, never by hand; a quote in a passed
    value is refused rather than escaped (names are plain identifiers).
-#}
{% macro compiled_declarations(var_name, seed_name, columns) -%}

{%- set declared = var(var_name, none) %}

{%- if declared is none %}

    select
        {%- for name, kind in columns %}
        {%- if kind == 'string' %}
        {{ seed_string(name) }} as {{ name }}{{ ',' if not loop.last }}
        {%- else %}
        cast({{ name }} as {{ kind }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from {{ ref(seed_name) }}

{%- elif declared | length == 0 %}

    select
        {%- for name, kind in columns %}
        cast(null as {{ kind }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref(seed_name) }}
    where 1 = 0

{%- else %}
{%- for rule in declared %}

    select
        {%- for name, kind in columns %}
        {%- set value = rule[name] %}
        {%- if value is none %}
        cast(null as {{ kind }}) as {{ name }}
        {%- elif kind == 'string' %}
        {%- if "'" in value or "\\" in value %}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": a quote or backslash in " ~ value) }}
        {%- endif %}
        '{{ value }}' as {{ name }}
        {%- elif kind == 'boolean' %}
        {{ 'true' if value else 'false' }} as {{ name }}
        {%- else %}
        cast({{ value }} as {{ kind }}) as {{ name }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}

{%- endif %}

{%- endmacro %}
