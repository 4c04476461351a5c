-- The KS false-discovery control dbt judges (drift_fdr_verdicts_daily):
-- the seed drift_fdr_rules (the compiled `checks.drift_fdr` of the
-- thresholds file, what a plain `dbt build` reads; no row when it is not
-- declared), or what a run of `mpm` loaded, passed as the var
-- `drift_fdr_rules` when it differs from the seed. Compiled by
-- python_checks/declare/rules_seed.py, never written by hand.

-- depends_on: {{ ref('drift_fdr_rules') }}

{%- set columns = [
    ('rule_id', 'string'), ('rule', 'string'), ('severity', 'string'), ('fdr', 'double'),
    ('min_ks_statistic', 'double'), ('min_sample_size', 'bigint'),
    ('evaluation_window_days', 'bigint'), ('bound', 'string'), ('material_bound', 'string'),
] %}

with

declared as (

    {{- compiled_declarations('drift_fdr_rules', 'drift_fdr_rules', columns) }}

)

select * from declared
