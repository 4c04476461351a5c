{#-
    AUC-ROC and average precision from a relation with one row per distinct
    score within each group and its positive/negative counts (`n_pos`,
    `n_neg`). Aggregating to distinct scores first is what makes both exact
    under ties, and cheap: the sort is over distinct scores, not rows.

    AUC (Mann-Whitney with average ranks for ties)
        = sum over scores of n_pos · (negatives below + n_neg / 2) / (P · N)
    AP (sklearn's step-wise sum, no interpolation)
        = sum over scores, descending, of (n_pos / P) · precision at that score
    Returns one row per group with n_pos, n_neg, auc_roc, average_precision;
    AUC is null with one class, AP null without positives (recall undefined).
    `where` restricts the input rows (e.g. incremental_day_filter()).
-#}
{% macro score_rank_statistics(score_counts, group_by, where='1 = 1') -%}
    {%- set keys = group_by | join(', ') -%}
    select
        {{ keys }},
        sum(n_pos) as n_pos,
        sum(n_neg) as n_neg,
        case when sum(n_pos) > 0 and sum(n_neg) > 0 then
            sum(n_pos * (n_neg_below + 0.5 * n_neg))
            / (cast(sum(n_pos) as double) * cast(sum(n_neg) as double))
        end as auc_roc,
        case when sum(n_pos) > 0 then
            {{ exact_sum('n_pos * ' ~ safe_divide('tp_at_or_above', 'tp_at_or_above + fp_at_or_above')) }}
            / sum(n_pos)
        end as average_precision
    from (
        select
            *,
            sum(n_neg) over (
                partition by {{ keys }} order by score
                rows between unbounded preceding and current row
            ) - n_neg as n_neg_below,
            sum(n_pos) over (
                partition by {{ keys }} order by score desc
                rows between unbounded preceding and current row
            ) as tp_at_or_above,
            sum(n_neg) over (
                partition by {{ keys }} order by score desc
                rows between unbounded preceding and current row
            ) as fp_at_or_above
        from {{ score_counts }}
        where {{ where }}
    ) as cumulative
    group by {{ keys }}
{%- endmacro %}
