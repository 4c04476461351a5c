{#-
    AUC-ROC and average precision from a relation with one row per distinct
    score within each group and its positive/negative counts (`n_pos`,
    `n_neg`). Aggregating to distinct scores first is what makes both exact
    under ties, and cheap: the sort is over distinct scores, not rows.

    AUC (Mann-Whitney with average ranks for ties)
        = sum over scores of n_pos · (negatives below + n_neg / 2) / (P · N)
    AP (sklearn's step-wise sum, no interpolation)
        = sum over scores, descending, of (n_pos / P) · precision at that score,
          precision at s = TP(score >= s) / (TP + FP)(score >= s)
    Returns one row per group with n_pos, n_neg, auc_roc, average_precision;
    AUC is null with one class, AP null without positives (recall undefined).
    `where` restricts the input rows (e.g. incremental_day_filter()).
-#}
{% macro score_rank_statistics(score_counts, group_by, where='1 = 1') -%}
    {#- One ascending running sum per class (one sort per group, shared by
        both: DuckDB and Spark evaluate identical window specs together) and
        the group totals from a join; "at or above" counts are totals minus
        "below". Profiled: a third window ordered descending doubled the cost. -#}
    {%- set keys = group_by | join(', ') -%}
    {%- set running -%}
        over (
            partition by {{ keys }} order by score
            rows between unbounded preceding and current row
        )
    {%- endset -%}
    select
        {% for key in group_by %}cumulative.{{ key }}, {% endfor %}
        sum(cumulative.n_pos) as n_pos,
        sum(cumulative.n_neg) as n_neg,
        case when max(totals.total_pos) > 0 and max(totals.total_neg) > 0 then
            sum(cumulative.n_pos * (cumulative.n_neg_below + 0.5 * cumulative.n_neg))
            / (cast(max(totals.total_pos) as double) * cast(max(totals.total_neg) as double))
        end as auc_roc,
        case when max(totals.total_pos) > 0 then
            {{ exact_sum('cumulative.n_pos * ' ~ safe_divide(
                'totals.total_pos - cumulative.n_pos_below',
                'totals.total_pos - cumulative.n_pos_below + totals.total_neg - cumulative.n_neg_below')) }}
            / max(totals.total_pos)
        end as average_precision
    from (
        select
            *,
            sum(n_neg) {{ running }} - n_neg as n_neg_below,
            sum(n_pos) {{ running }} - n_pos as n_pos_below
        from {{ score_counts }}
        where {{ where }}
    ) as cumulative
    inner join (
        select
            {{ keys }},
            sum(n_pos) as total_pos,
            sum(n_neg) as total_neg
        from {{ score_counts }}
        where {{ where }}
        group by {{ keys }}
    ) as totals
        on
            {% for key in group_by %}cumulative.{{ key }} = totals.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
    group by {% for key in group_by %}cumulative.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
{%- endmacro %}
