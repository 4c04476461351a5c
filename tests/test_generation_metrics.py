"""generation_metrics_daily equals sacrebleu (corpus BLEU per day) and
rouge_score (mean per-pair F) for every day, version, segment and rollup
(tests/fixtures/task_data.py: empty references, revised labels)."""

from __future__ import annotations

import numpy as np
import pytest
import sacrebleu
from rouge_score import rouge_scorer

from tests.fixtures.task_reference import (
    GENERATION,
    SERVING,
    build_task_warehouse,
    compare,
    latest_labels,
    report_max_relative_error,
    serving,
    subset_of,
    task_rows,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_task_warehouse(tmp_path_factory)


def test_generation_equals_sacrebleu_and_rouge_score(built):
    frames, _, marts, _ = built
    rows = task_rows(frames, "generation")
    labels = latest_labels(frames)
    labels = labels[labels.prediction_id.notna()].drop_duplicates("prediction_id", keep="last")
    rows["has_label"] = rows.prediction_id.isin(set(labels.prediction_id))
    rows["reference"] = rows.prediction_id.map(labels.set_index("prediction_id")["reference_text"])
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    mart = marts["generation_metrics_daily"]
    assert (rows.reference == "").any()

    def expected(group):
        subset = subset_of(rows, group)
        pairs = subset[subset.reference.notna()]
        hyps = pairs.generated_text.fillna("").tolist()
        refs = pairs.reference.tolist()
        out = serving(subset, subset.has_label)
        if not refs:
            return out | dict.fromkeys(GENERATION)
        out["bleu"] = sacrebleu.corpus_bleu(hyps, [refs]).score
        scores = [scorer.score(r, h) for r, h in zip(refs, hyps, strict=True)]
        for name in ("rouge1", "rouge2", "rougeL"):
            out[f"{name.lower()}_f"] = float(np.mean([s[name].fmeasure for s in scores]))
        return out

    assert compare(mart, expected, list(GENERATION) + list(SERVING)) == []


def test_report_max_relative_error(built):
    """Runs last in the module: print the largest relative error per metric."""
    report_max_relative_error(("bleu", "rouge"))
