-- Exact, tie-aware AUC-ROC and average precision per day × model × version ×
-- segment (with rollups), from the distinct-score counts.

{{ score_rank_statistics(
    ref('int_classification_score_counts'),
    ['metric_date', 'model_name', 'model_version', 'segment']
) }}
