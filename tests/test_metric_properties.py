"""Properties of the metric SQL (issue 9), on data hypothesis draws:

- permuting the input rows changes no metric;
- duplicating the whole input (every prediction and label twice, as new
  predictions) changes no ratio metric and doubles the counts;
- re-delivering the whole input (same prediction_ids) changes nothing;
- AUC of the reversed scores (1 - score) is 1 - AUC.

dbt is slow to start, so the examples of one property run are drawn first,
each becomes a few models of one warehouse (original, permuted, duplicated,
reversed), and a single `dbt build` computes them all; then every example is
checked. The default run draws 5 examples; `-m slow` draws 40.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import dbt_build, query, write_warehouse

DAY = pd.Timestamp("2026-06-01 08:00")
GRID = 20  # scores are k / 20: reversing (1 - score) keeps ties exactly
RATIO_METRICS = (
    "label_coverage",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "specificity",
    "false_positive_rate",
    "base_rate",
    "predicted_positive_rate",
    "auc_roc",
    "average_precision",
    "log_loss",
    "brier_score",
    "ece",
    "served_label_consistency",
)
COUNT_METRICS = ("n_predictions", "n_labeled")

row_strategy = st.fixed_dictionaries(
    {
        "k": st.integers(0, GRID),
        "label": st.sampled_from([0, 1, None]),  # None: not labeled yet
        "segment": st.sampled_from(["web", "ios"]),
        "version": st.sampled_from(["v1", "v2"]),
        "latency": st.integers(1, 500),
    }
)
example_strategy = st.lists(row_strategy, min_size=2, max_size=40).flatmap(
    lambda rows: st.tuples(st.just(rows), st.permutations(range(len(rows))))
)


def draw_examples(n: int, derandomize: bool) -> list:
    examples = []

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        derandomize=derandomize,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(example_strategy)
    def collect(example):
        examples.append(example)

    collect()
    return examples[:n]


def _frames(examples: list) -> dict[str, pd.DataFrame]:
    predictions, labels = [], []

    def add(model, rows, suffix=""):
        for j, row in enumerate(rows):
            pid = f"{model}-{j}{suffix}"
            score = row["k"] / GRID
            predictions.append(
                {
                    "prediction_id": pid,
                    "model_name": model,
                    "model_version": row["version"],
                    "task_type": "binary_classification",
                    "predicted_at": DAY + pd.Timedelta(seconds=j),
                    "segment": row["segment"],
                    "score": score,
                    "threshold": 0.5,
                    "predicted_label": score >= 0.5,
                    "latency_ms": float(row["latency"]),
                }
            )
            if row["label"] is not None:
                labels.append(
                    {
                        "prediction_id": pid,
                        "actual_value": float(row["label"]),
                        "labeled_at": DAY + pd.Timedelta(days=1),
                    }
                )

    for i, (rows, order) in enumerate(examples):
        add(f"e{i}_base", rows)
        add(f"e{i}_perm", [rows[j] for j in order])
        add(f"e{i}_dup", rows, "a")
        add(f"e{i}_dup", rows, "b")
        add(f"e{i}_redo", rows)
        add(f"e{i}_redo", rows)
        add(f"e{i}_rev", [{**row, "k": GRID - row["k"]} for row in rows])
    return {"predictions": pd.DataFrame(predictions), "labels": pd.DataFrame(labels)}


def _check(tmp_path, examples):
    warehouse = write_warehouse(tmp_path / "wh.duckdb", _frames(examples))
    dbt_build(warehouse, tmp_path / "artifacts")
    metrics = query(
        warehouse,
        "select model_name, model_version, segment, metric_name, metric_value "
        "from metrics_daily where layer in ('model_quality', 'data_quality') "
        "and metric_name in (" + ", ".join(f"'{m}'" for m in RATIO_METRICS + COUNT_METRICS) + ")",
    )
    table = {
        (r.model_name, r.model_version, r.segment, r.metric_name): (
            None if r.metric_value is None or math.isnan(r.metric_value) else r.metric_value
        )
        for r in metrics.itertuples()
    }
    for i, (rows, _) in enumerate(examples):
        base = {key[1:]: v for key, v in table.items() if key[0] == f"e{i}_base"}
        assert base, f"example {i} has no metrics"

        def of(model, key, _i=i):
            return table[(f"e{_i}_{model}",) + key]

        for key, value in base.items():
            metric = key[2]
            where = f"example {i} {key}: rows={rows}"
            assert _close(of("perm", key), value), where
            assert _close(of("redo", key), value), where
            if metric in RATIO_METRICS:
                assert _close(of("dup", key), value), where
            else:
                assert of("dup", key) == 2 * value, where
            if metric == "auc_roc":
                expected = None if value is None else 1.0 - value
                assert _close(of("rev", key), expected), where


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_metric_properties_hold(tmp_path):
    _check(tmp_path, draw_examples(5, derandomize=True))


@pytest.mark.slow
def test_metric_properties_hold_on_many_examples(tmp_path):
    _check(tmp_path, draw_examples(40, derandomize=False))
