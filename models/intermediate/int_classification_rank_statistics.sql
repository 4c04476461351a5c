-- Exact, tie-aware AUC-ROC and average precision per day × model × version ×
-- segment (with rollups), from the distinct-score counts. Incremental by
-- metric_date (the days this run recomputes).

{{ config(**incremental_by_day()) }}

{{ score_rank_statistics(
    ref('int_classification_score_counts'),
    ['metric_date', 'model_name', 'model_version', 'segment'],
    where=incremental_day_filter('metric_date')
) }}
