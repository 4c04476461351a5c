-- The declared rules dbt judges: the seed threshold_rules (the compiled
-- thresholds file, what a plain `dbt build` reads), or the rules a run of
-- `mpm` loaded, passed as the var `threshold_rules` when they differ from
-- the seed (`mpm run --thresholds other.yml`). One declaration either way:
-- both are compiled from the thresholds file by
-- python_checks/declare/rules_seed.py, never written by hand.

-- depends_on: {{ ref('threshold_rules') }}

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

    {{- compiled_declarations('threshold_rules', 'threshold_rules', columns) }}

)

select * from declared
