"""How the rules read the two new families, from the catalog dbt declares:
an estimate needs no labels, so its rule is evaluated on a day whose label
coverage keeps the realized metric's rule "not evaluated"; a gap needs
labels; and a gap or staleness rule on a warehouse without the optional
registry tables says it is not evaluated and which tables it needs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from python_checks.checks.thresholds import evaluate, split_evaluable
from python_checks.declare import Declarations
from python_checks.declare.catalog import catalog_from_nodes
from python_checks.declare.dbt_vars import DbtVars
from python_checks.declare.links import load_links
from python_checks.declare.thresholds import Rule, Thresholds
from python_checks.results import Status
from python_checks.warehouse.dbt import Dbt
from python_checks.warehouse.engine import DuckDBEngine


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    artifacts = tmp_path_factory.mktemp("dbt_parse")
    result = Dbt(DuckDBEngine(artifacts / "none.duckdb"), artifacts, quiet=True).invoke(
        ["parse"], manifest=None
    )
    assert result.success, result.exception
    nodes = json.loads((artifacts / "target" / "manifest.json").read_text())["nodes"]
    return catalog_from_nodes(nodes.values())


def _rows(metric: str, value: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric_date": ["2026-05-10", "2026-05-11"],
            "model_name": "fraud_model",
            "model_version": "__all__",
            "segment": "__all__",
            "metric_name": metric,
            "feature_name": "",
            "metric_value": value,
            "sample_size": 500,
        }
    )


def test_catalog_declares_the_new_families(catalog):
    for name in ("estimated_accuracy", "estimated_precision", "estimated_auc_roc"):
        info = catalog.get(name)
        assert info.mart == "classification_estimated_daily" and not info.needs_labels
    gap = catalog.get("offline_online_gap_precision")
    assert gap.mart == "offline_online_gap_daily" and gap.needs_labels
    assert gap.requires == ("model_versions", "offline_metrics")
    stale = catalog.get("days_since_training")
    assert not stale.needs_labels and stale.requires == gap.requires


def test_an_estimate_is_evaluated_on_a_label_immature_day(catalog):
    coverage = _rows("label_coverage", 0.1).rename(columns={"metric_value": "label_coverage"})
    coverage = coverage[["metric_date", "model_name", "model_version", "segment", "label_coverage"]]
    for metric, evaluable_days in (
        ("estimated_precision", 2),
        ("precision", 0),
        ("offline_online_gap_precision", 0),
    ):
        rule = Rule(rule_id="r1", model="fraud_model", metric=metric, min=0.8,
                    min_label_coverage=0.6)  # fmt: skip
        evaluable, skipped = split_evaluable(
            _rows(metric, 0.9), rule, coverage, catalog.get(metric).needs_labels
        )
        assert len(evaluable) == evaluable_days, metric
        assert len(skipped) == 2 - evaluable_days, metric


def test_without_the_registry_tables_the_rules_say_what_they_need(catalog, tmp_path):
    rules = (
        Rule(rule_id="r1", model="fraud_model", metric="offline_online_gap_recall", min=-0.1),
        Rule(rule_id="r2", model="fraud_model", metric="days_since_training", max=30),
    )
    declarations = Declarations(
        thresholds=Thresholds(rules=rules),
        links=load_links(),
        dbt_vars=DbtVars({}),
        catalog=catalog,
    )
    results, _ = evaluate(_rows("precision", 0.9), declarations, runner=None, docs_dir=tmp_path)
    assert [r.status for r in results] == [Status.NOT_EVALUATED] * 2
    for result in results:
        assert "needs the optional source tables model_versions, offline_metrics" in (
            result.message
        )
