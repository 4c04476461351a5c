-- Labeled, scored classification predictions aggregated to one row per
-- distinct score at each rollup level: the exact, tie-aware input of AUC,
-- average precision and the threshold curve, far smaller than the rows.
-- Incremental by metric_date (the days this run recomputes).

{{ config(**incremental_by_day()) }}

select
    metric_date,
    model_name,
    {{ rollup_key('model_version') }} as model_version,
    {{ rollup_key('segment') }} as segment,
    score,
    sum(label) as n_pos,
    sum(1 - label) as n_neg
from {{ ref('int_classification_predictions') }}
where is_labeled and score is not null
    and {{ incremental_day_filter('metric_date') }}
group by {{ rollup_grouping_sets(['score']) }}
