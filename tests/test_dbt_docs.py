"""dbt-native documentation: every model and every column has a
description, the contract's metric definitions are docs blocks, and the
exposures (the HTML report, the GE checkpoint) hang off the models they
read. The manifest comes from `dbt parse` (no warehouse needed); the slow
test compares against the catalog of a real build, so a column that exists
in a table but not in the YAML fails too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from python_checks.warehouse.dbt import Dbt
from python_checks.warehouse.engine import DuckDBEngine

PROJECT = "ml_product_metrics"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    artifacts = tmp_path_factory.mktemp("dbt_parse")
    result = Dbt(DuckDBEngine(artifacts / "none.duckdb"), artifacts, quiet=True).invoke(
        ["parse"], manifest=None
    )
    assert result.success, result.exception
    return json.loads((artifacts / "target" / "manifest.json").read_text())


def models(manifest: dict) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == PROJECT
    ]


def missing_descriptions(manifest: dict, catalog: dict | None = None) -> list[str]:
    missing = []
    for node in models(manifest):
        if not node["description"].strip():
            missing.append(node["name"])
        columns = dict(node["columns"])
        if catalog is not None:
            built = catalog["nodes"].get(node["unique_id"], {}).get("columns", {})
            for name in built:
                columns.setdefault(name, {"description": ""})
        for name, column in columns.items():
            if not (column.get("description") or "").strip():
                missing.append(f"{node['name']}.{name}")
    return sorted(missing)


def test_every_model_and_declared_column_has_a_description(manifest):
    assert len(models(manifest)) >= 10
    assert missing_descriptions(manifest) == []


def test_the_contract_metric_definitions_are_docs_blocks(manifest):
    blocks = {doc["name"]: doc["block_contents"] for doc in manifest["docs"].values()}
    for name in (
        "contract_metric_definitions",
        "contract_ranking_metrics",
        "contract_regression_generation_metrics",
        "contract_drift_metrics",
        "contract_business_metrics",
    ):
        assert name in blocks, name
    assert "ndcg_at_K" in blocks["contract_ranking_metrics"]
    metrics_daily = next(n for n in models(manifest) if n["name"] == "metrics_daily")
    # The docs blocks are rendered into the published interface's docs.
    assert "support_tickets_per_1k_users" in metrics_daily["columns"]["metric_name"]["description"]


def test_exposures_depend_on_the_models_they_read(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    report = exposures["nightly_html_report"]["depends_on"]["nodes"]
    checkpoint = exposures["great_expectations_checkpoint"]["depends_on"]["nodes"]
    assert f"model.{PROJECT}.metrics_daily" in report
    assert f"model.{PROJECT}.classification_threshold_curve" in report
    assert checkpoint == [f"model.{PROJECT}.metrics_daily"]


@pytest.mark.slow
def test_every_built_column_has_a_description(tmp_path: Path):
    """`dbt docs generate` on a small demo warehouse: the catalog lists the
    columns the tables really have; each one must be described."""
    from python_checks.demo import generate_warehouse

    warehouse = tmp_path / "small.duckdb"
    generate_warehouse(warehouse, "healthy", days=3, scale=0.05)
    artifacts = tmp_path / "dbt"
    session = Dbt(DuckDBEngine(warehouse), artifacts, quiet=True)
    session.build()
    index = session.docs(tmp_path / "docs")
    assert index is not None and index.exists()
    manifest = json.loads((tmp_path / "docs" / "manifest.json").read_text())
    catalog = json.loads((tmp_path / "docs" / "catalog.json").read_text())
    assert missing_descriptions(manifest, catalog) == []
    # The docs reuse the nodes the build compiled (the build itself writes
    # no manifest: --no-write-json), with their compiled SQL; run_results.json
    # is still dbt's own artifact.
    assert (artifacts / "target" / "run_results.json").exists()
    metrics_daily = next(n for n in models(manifest) if n["name"] == "metrics_daily")
    assert "select" in (metrics_daily.get("compiled_code") or "").lower()
