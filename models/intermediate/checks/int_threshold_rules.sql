-- The declared rules dbt judges: the seed threshold_rules (the compiled
-- thresholds file, what a plain `dbt build` reads), or the rules a run of
-- `mpm` loaded, passed as the var `threshold_rules` when they differ from
-- the seed (`mpm run --thresholds other.yml`). One declaration either way:
-- both are compiled from the thresholds file by
-- python_checks/declare/rules_seed.py, never written by hand.

-- depends_on: {{ ref('threshold_rules') }}

{%- set declared = var('threshold_rules', none) %}
{%- set columns = [
    ('rule_id', 'string'), ('rule', 'string'), ('model', 'string'), ('metric', 'string'),
    ('checked_metric', 'string'), ('model_version', 'string'), ('segment', 'string'),
    ('feature', 'string'), ('min_value', 'double'), ('max_value', 'double'),
    ('bound', 'string'), ('severity', 'string'), ('min_sample_size', 'bigint'),
    ('min_label_coverage', 'double'), ('kind', 'string'), ('window_days', 'bigint'),
    ('reference_days', 'bigint'), ('proportion', 'boolean'),
    ('evaluation_window_days', 'bigint'), ('wilson_z', 'double'), ('policy', 'string'),
] %}

with

declared as (

    {%- if declared is none %}

    select
        {%- for name, kind in columns %}
        cast({{ name }} as {{ kind }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('threshold_rules') }}

    {%- elif declared | length == 0 %}

    select
        {%- for name, kind in columns %}
        cast(null as {{ kind }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('threshold_rules') }}
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
        {{ exceptions.raise_compiler_error("var threshold_rules: a quote or backslash in " ~ value) }}
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

)

select * from declared
