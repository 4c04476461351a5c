"""The Dagster example (examples/dagster/definitions.py) materialized
in-process on the precision_drop demo warehouse: the dbt models are assets,
the threshold and link checks fail as blocking asset checks, and the asset
downstream of metrics_daily is not materialized. `make test-examples`
(needs `make install-examples`); not in the default suite."""

from __future__ import annotations

import importlib.util
import json

import pytest

from python_checks import paths

pytestmark = pytest.mark.examples


def _load_example():
    spec = importlib.util.spec_from_file_location(
        "mpm_dagster_example", paths.PROJECT_ROOT / "examples" / "dagster" / "definitions.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_precision_drop_fails_the_checks_and_blocks_the_export(tmp_path, monkeypatch):
    # (imported here: deselected in the default suite, where dagster is not installed)
    import dagster as dg

    from python_checks.demo import generate_warehouse
    from python_checks.warehouse.engine import DuckDBEngine

    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "wh.duckdb"))  # restored after
    warehouse = tmp_path / "wh.duckdb"
    generate_warehouse(warehouse, "precision_drop", days=30, seed=7)
    DuckDBEngine(warehouse).forget_incremental_state()
    reports = tmp_path / "reports"
    example = _load_example()
    defs = example.build_definitions(
        warehouse, reports, target_path=tmp_path / "target", config_dir=paths.DEMO_CONFIG_DIR
    )
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks], resources=defs.resources, raise_on_error=False
    )

    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    # every dbt model is an asset, built by the dbt step
    assert {
        "main/metrics_daily",
        "staging/stg_raw__predictions",
        "marts/business_metrics_daily",
    } <= materialized
    # the error-severity breach blocks what is downstream of metrics_daily
    assert "metrics_daily_export" not in materialized
    assert not (reports / "metrics_daily.parquet").exists()

    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(checks) >= {"thresholds", "links"}
    thresholds, links = checks["thresholds"], checks["links"]
    assert not thresholds.passed and thresholds.severity is dg.AssetCheckSeverity.ERROR
    slices = thresholds.metadata["breached_slices"].value
    assert any(s.startswith("spam_filter precision v3 ") for s in slices), slices
    # the same results as a night of `mpm run`: run_results.json beside the report
    run = json.loads((reports / "run_results.json").read_text())
    errors = [r for r in run["results"] if r["status"] == "breached" and r["severity"] == "error"]
    threshold_errors = [r for r in errors if r["check"] == "threshold"]
    assert thresholds.metadata["error_breaches"].value == len(threshold_errors)
    # precision_drop: v3 blocks legitimate mail and false_block tickets rise
    assert not links.passed
    assert links.metadata["breached"].value > 0
    assert (reports / "report.html").exists()
