{#-
    Fails (or warns, by the test's severity) on every breached day of a
    declared rule of severity `rule_severity` in rule_verdicts_daily, one
    failure row per rule, model, version, segment, feature and day with
    its value and bound (`store_failures` keeps them in schema audit). Also
    logs one line per breached rule, so the build's own output names what
    broke, as `mpm run`'s summary does. "not_evaluated" is never a pass and
    never a failure here: rule_verdicts_daily lists it with its reason.
-#}
{% test declared_rules_hold(model, rule_severity) %}

{%- set breaches -%}
select
    rule_id,
    rule,
    model_name,
    model_version,
    segment,
    feature_name,
    metric_name,
    metric_date,
    metric_value,
    checked_value,
    bound,
    sample_size
from {{ model }}
where verdict = 'breach' and severity = '{{ rule_severity }}'
{%- endset -%}

{%- if execute and flags.WHICH in ('build', 'test') -%}
    {%- set summary -%}
        select
            rule_id,
            rule,
            model_name,
            model_version,
            segment,
            feature_name,
            count(*) as days,
            cast(min(metric_date) as string) as first_day,
            cast(max(metric_date) as string) as last_day
        from ({{ breaches }}) as breached
        group by rule_id, rule, model_name, model_version, segment, feature_name
        order by rule_id, model_name, model_version, segment, feature_name
    {%- endset -%}
    {%- set found = run_query(summary) -%}
    {%- for row in found.rows -%}
        {%- set feature = (' feature ' ~ row['feature_name']) if row['feature_name'] else '' -%}
        {%- do log(rule_severity ~ ' breach ' ~ row['rule_id'] ~ ': ' ~ row['rule'] ~ ' on ' ~ row['model_name'] ~ ' ' ~ row['model_version'] ~ ' ' ~ row['segment'] ~ feature ~ ', ' ~ row['days'] ~ ' day(s) ' ~ row['first_day'] ~ '..' ~ row['last_day'], info=true) -%}
    {%- endfor -%}
{%- endif %}

{{ breaches }}

{% endtest %}
