-- Exact, tie-aware AUC-ROC and average precision per day × model × version ×
-- segment (with rollups), from the distinct-score counts. Incremental by
-- metric_date (the days this run recomputes). On DuckDB the running counts
-- use DuckDB-only SQL (score_counts_below), hence the linter's noqa.

{{ config(**incremental_by_day()) }}

{%- set score_counts = ref('int_classification_score_counts') %}
{%- set group_by = ['metric_date', 'model_name', 'model_version', 'segment'] %}

{{ score_rank_statistics(score_counts, group_by, where=incremental_day_filter('metric_date')) }}  -- noqa: PRS
