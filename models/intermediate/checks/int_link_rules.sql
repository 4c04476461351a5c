-- The declared links and engagement guardrails dbt judges: the seed
-- link_rules (the compiled links file, what a plain `dbt build` reads), or
-- the links a run of `mpm` loaded, passed as the var `link_rules` when
-- they differ from the seed (a config folder other than the demo's). One
-- declaration either way: both are compiled from the links file by
-- python_checks/declare/rules_seed.py, never written by hand.

-- depends_on: {{ ref('link_rules') }}

{%- set columns = [
    ('link_id', 'string'), ('check_name', 'string'), ('name', 'string'), ('rule', 'string'),
    ('severity', 'string'), ('model_name', 'string'),
    ('first_model', 'string'), ('first_metric', 'string'), ('first_better', 'bigint'),
    ('first_needs_labels', 'boolean'), ('first_min_sample_size', 'bigint'),
    ('first_staged', 'boolean'),
    ('second_model', 'string'), ('second_metric', 'string'), ('second_better', 'bigint'),
    ('second_needs_labels', 'boolean'), ('second_staged', 'boolean'),
    ('window_days', 'bigint'), ('min_days_per_window', 'bigint'), ('noise_z', 'double'),
    ('min_relative_change', 'double'), ('evaluation_window_days', 'bigint'),
    ('min_label_coverage', 'double'),
] %}

with

declared as (

    {{- compiled_declarations('link_rules', 'link_rules', columns) }}

)

select * from declared
