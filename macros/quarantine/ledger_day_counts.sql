{#-
    One source's rows per day for the reconciliation ledger
    (source_reconciliation_daily): rows delivered, quarantined and valid,
    from a relation with metric_date and quarantine_reason. `extra`: one
    more aggregate column (the feature ledger counts its keys here).
    rows_valid minus the day's kept keys is the superseded count, so
    rows_in = rows_accepted + rows_quarantined + rows_superseded.
-#}
{% macro ledger_day_counts(rows, extra=none) -%}
    select
        metric_date,
        count(*) as rows_in,
        sum(case when quarantine_reason is not null then 1 else 0 end) as rows_quarantined,
        sum(case when quarantine_reason is null then 1 else 0 end) as rows_valid
        {%- if extra %},
        {{ extra }}
        {%- endif %}
    from {{ rows }}
    group by metric_date
{%- endmacro %}
