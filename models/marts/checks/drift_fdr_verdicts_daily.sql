-- The KS drift tests of the evaluation window under Benjamini-Hochberg, in
-- SQL: every ks_pvalue of metrics_daily in the last evaluation_window_days
-- (model x version x segment x feature x day with at least
-- min_sample_size rows) is one hypothesis; sorted by p-value, the largest
-- rank k with p_(k) <= k / m x fdr sets the cut-off, and every test at or
-- below it is a discovery. A discovery breaches at the declared severity
-- when the shift is material (KS statistic >= min_ks_statistic), and warns
-- otherwise: with tens of thousands of rows a harmless shift is
-- significant too. The data tests on it make a plain `dbt build` fail or
-- warn on the discoveries `mpm run` reports (python_checks/checks/drift_fdr.py),
-- and `mpm run` holds both to the same discoveries every night.

{%- set slice = ['metric_date', 'model_name', 'model_version', 'segment', 'feature_name'] %}

with

rules as (

    select * from {{ ref('int_drift_fdr_rules') }}

),

metrics as (

    select
        {{ slice | join(', ') }},
        metric_name,
        metric_value,
        sample_size
    from {{ ref('metrics_daily') }}
    where layer = 'drift'
        and metric_name in ('ks_pvalue', 'ks_statistic')

),

last_day as (

    select max(metric_date) as last_metric_date from {{ ref('metrics_daily') }}

),

tests as (

    select
        rules.rule_id,
        rules.rule,
        rules.severity as declared_severity,
        rules.fdr,
        rules.min_ks_statistic,
        rules.bound as discovery_bound,
        rules.material_bound,
        {%- for column in slice %}
        pvalues.{{ column }},
        {%- endfor %}
        pvalues.metric_value as pvalue,
        pvalues.sample_size,
        statistics.metric_value as ks_statistic
    from metrics as pvalues
    inner join metrics as statistics
        on {% for column in slice %}pvalues.{{ column }} = statistics.{{ column }}{{ '\n        and ' if not loop.last }}{% endfor %}
        and statistics.metric_name = 'ks_statistic'
    cross join rules
    cross join last_day
    where pvalues.metric_name = 'ks_pvalue'
        and pvalues.metric_value is not null
        and pvalues.sample_size >= rules.min_sample_size
        and {{ dbt.datediff('pvalues.metric_date', 'last_day.last_metric_date', 'day') }}
        < rules.evaluation_window_days

),

ranked as (

    select
        *,
        row_number() over (order by pvalue) as p_rank,
        count(*) over () as tests_in_window
    from tests

),

cutoff as (

    select
        max(
            case
                when pvalue <= {{ safe_divide('cast(p_rank as double)', 'tests_in_window') }} * fdr
                    then pvalue
            end
        ) as p_cutoff
    from ranked

)

select
    ranked.rule_id,
    ranked.rule,
    case
        when ranked.ks_statistic >= ranked.min_ks_statistic then ranked.declared_severity
        else 'warn'
    end as severity,
    'fdr' as kind,
    ranked.model_name,
    ranked.model_version,
    ranked.segment,
    'ks_pvalue' as metric_name,
    ranked.feature_name,
    ranked.metric_date,
    ranked.pvalue as metric_value,
    ranked.pvalue as checked_value,
    ranked.sample_size,
    case
        when ranked.ks_statistic >= ranked.min_ks_statistic then ranked.material_bound
        else ranked.discovery_bound
    end as bound,
    case
        when ranked.pvalue <= cutoff.p_cutoff then 'breach'
        else 'pass'
    end as verdict,
    cast(null as string) as reason,
    ranked.ks_statistic,
    ranked.p_rank,
    ranked.tests_in_window,
    cutoff.p_cutoff
from ranked
cross join cutoff
