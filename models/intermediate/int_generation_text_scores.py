"""BLEU and ROUGE of the generation models per day x model x version x
segment with the __all__ rollups, computed by the reference libraries
themselves (sacrebleu, rouge_score), never re-implemented in SQL.

A dbt Python model: it runs on dbt-duckdb. dbt-spark does not run Python
models (outside Databricks), so this is the one node a Spark path has to
replace; it reads one relation and writes one table, and nothing but
generation_metrics_daily depends on it.

Incremental by metric_date like the SQL per-day models (dbt-duckdb runs
incremental Python models: the returned frame goes to a temporary table,
then delete+insert on metric_date): a run scores only the labeled pairs of
the days stg_mpm__recompute_days lists, the one costly step (a Python call
per pair). The config is spelled out here because a Python model cannot
call the incremental_by_day macro; Spark never builds this model.
"""

import math

import pandas as pd

KEYS = ["metric_date", "model_name", "model_version", "segment"]
ROLLUPS = (
    ("model_version", "segment"),
    ("model_version",),
    ("segment",),
    (),
)
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
COLUMNS = {
    "metric_date": "datetime64[ns]",
    "model_name": "string",
    "model_version": "string",
    "segment": "string",
    "n_references": "int64",
    "bleu": "float64",
    "rouge1_f": "float64",
    "rouge2_f": "float64",
    "rougel_f": "float64",
}


def score_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per-pair ROUGE F-measures (no stemming), the hypothesis '' when null."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=False)
    scores = [
        scorer.score(target=reference, prediction=hypothesis)
        for reference, hypothesis in zip(pairs["reference_text"], pairs["hypothesis"], strict=True)
    ]
    out = pairs.copy()
    for rouge in ROUGE_TYPES:
        out[f"{rouge.lower()}_f"] = [s[rouge].fmeasure for s in scores]
    return out


def aggregate(pairs: pd.DataFrame) -> pd.DataFrame:
    """Corpus BLEU and mean ROUGE F per group, at the four rollup levels."""
    import sacrebleu

    rows = []
    for kept in ROLLUPS:
        group_keys = ["metric_date", "model_name", *kept]
        for key, group in pairs.groupby(group_keys, sort=True):
            row = dict(zip(group_keys, key, strict=True))
            for rolled in ("model_version", "segment"):
                row.setdefault(rolled, "__all__")
            hyps, refs = group["hypothesis"].tolist(), group["reference_text"].tolist()
            row["n_references"] = len(group)
            row["bleu"] = sacrebleu.corpus_bleu(hyps, [refs]).score
            for rouge in ROUGE_TYPES:
                # fsum: exactly rounded, so the rows' order cannot change a bit
                scores = group[f"{rouge.lower()}_f"].tolist()
                row[f"{rouge.lower()}_f"] = math.fsum(scores) / len(scores)
            rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="metric_date",
        on_schema_change="append_new_columns",
    )
    where = "task_type = 'generation' and is_labeled and reference_text is not null"
    days = dbt.ref("stg_mpm__recompute_days")
    if dbt.is_incremental:
        # the days this run recomputes (macros/incremental/incremental_days.sql)
        listed = sorted({str(d)[:10] for d in days.df()["metric_date"]})
        dates = ", ".join(f"date '{d}'" for d in listed) or "null"
        where += f" and cast(metric_date as date) in ({dates})"
    pairs = (
        dbt.ref("int_predictions_labeled")
        .filter(where)
        .project(
            "prediction_id, metric_date, model_name, model_version, segment, "
            "generated_text, reference_text"
        )
        .order("prediction_id")
        .df()
    )
    pairs["hypothesis"] = pairs["generated_text"].fillna("")
    pairs["reference_text"] = pairs["reference_text"].astype(str)
    scored = score_pairs(pairs) if len(pairs) else pairs
    out = aggregate(scored) if len(pairs) else pd.DataFrame(columns=list(COLUMNS))
    return out.astype(COLUMNS)
