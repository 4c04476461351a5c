"""The command line's contract: exit 2 with one line naming table and column
for input errors, 2 for configuration errors, 1 for an error-severity breach,
0 when everything holds (the scenario tests cover 0 and 1 on the demo)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from python_checks.cli import main
from tests.conftest import write_warehouse
from tests.fixtures.classification_data import classification_frames


@pytest.fixture
def warehouse(tmp_path):
    return write_warehouse(tmp_path / "wh.duckdb", classification_frames(seed=1))


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_missing_column_exits_2_naming_table_and_column(tmp_path, warehouse, capsys):
    con = duckdb.connect(str(warehouse))
    con.execute("alter table raw.predictions drop column latency_ms")
    con.close()
    code, _, err = _run(
        capsys, "run", "--warehouse", str(warehouse), "--reports", str(tmp_path / "r"), "--quiet"
    )
    assert code == 2
    assert err.strip().splitlines() == [
        "mpm: input error: raw.predictions.latency_ms: column missing"
    ]


def test_missing_table_exits_2(tmp_path, warehouse, capsys):
    con = duckdb.connect(str(warehouse))
    con.execute("drop table raw.labels")
    con.close()
    code, _, err = _run(
        capsys, "run", "--warehouse", str(warehouse), "--reports", str(tmp_path / "r"), "--quiet"
    )
    assert code == 2
    assert err.strip() == "mpm: input error: raw.labels: table not found"


def test_wrong_column_type_exits_2(tmp_path, warehouse, capsys):
    con = duckdb.connect(str(warehouse))
    con.execute("alter table raw.predictions alter score type varchar")
    con.close()
    code, _, err = _run(
        capsys, "run", "--warehouse", str(warehouse), "--reports", str(tmp_path / "r"), "--quiet"
    )
    assert code == 2
    assert "raw.predictions.score: type VARCHAR cannot be read as DOUBLE" in err


def test_missing_warehouse_exits_2(tmp_path, capsys):
    code, _, err = _run(
        capsys,
        "run",
        "--warehouse",
        str(tmp_path / "absent.duckdb"),
        "--reports",
        str(tmp_path / "r"),
    )
    assert code == 2
    assert "warehouse not found" in err


def test_bad_source_schema_exits_2(tmp_path, warehouse, capsys):
    code, _, err = _run(
        capsys,
        "run",
        "--warehouse",
        str(warehouse),
        "--source-schema",
        "raw; drop table x",
        "--reports",
        str(tmp_path / "r"),
    )
    assert code == 2
    assert "not a plain schema name" in err


def test_hostile_thresholds_file_exits_2_and_runs_nothing(tmp_path, warehouse, capsys):
    thresholds = tmp_path / "t.yml"
    thresholds.write_text(
        'rules:\n  - {model: "x\'; drop table raw.predictions; --", metric: precision, min: 0.5}\n'
    )
    code, _, err = _run(
        capsys,
        "run",
        "--warehouse",
        str(warehouse),
        "--thresholds",
        str(thresholds),
        "--reports",
        str(tmp_path / "r"),
    )
    assert code == 2 and "is not a plain name" in err
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from raw.predictions").fetchone()[0] > 0
    con.close()


def test_breach_exits_1_and_summary_names_it(tmp_path, warehouse, capsys):
    thresholds = tmp_path / "t.yml"
    thresholds.write_text(
        "settings: {evaluation_window_days: 30}\n"
        "rules:\n"
        "  - {model: fraud_model, metric: precision, model_version: '*', min: 0.99,"
        " severity: error, min_sample_size: 10, min_label_coverage: 0.5}\n"
        "checks:\n"
        "  reconciliation: {relative_tolerance: 1.0e-9, severity: error}\n"
        "  served_labels: {severity: error}\n"
        "  staleness: {max_age_hours: 36, severity: error}\n"
    )
    code, out, _ = _run(
        capsys,
        "run",
        "--warehouse",
        str(warehouse),
        "--thresholds",
        str(thresholds),
        "--reports",
        str(tmp_path / "r"),
        "--quiet",
    )
    assert code == 1
    breach_lines = [line for line in out.splitlines() if line.startswith("error     threshold")]
    assert breach_lines, out
    assert all(
        "fraud_model" in line and "precision" in line and ">= 0.99" in line for line in breach_lines
    )
    assert "data_docs/validations/thresholds/fraud_model/" in out
    results = pd.read_json(tmp_path / "r" / "run_results.json", typ="series")
    pages = {r["docs_path"] for r in results["results"] if r["status"] == "breached"}
    assert len(pages) == 1 and "Validation" in Path(pages.pop()).read_text()
    assert "FAILED (exit 1)" in out
    # The reconciliation check ran and agreed with sklearn.
    assert "reconciliation" not in [line.split()[1] for line in breach_lines]
    assert results["exit_code"] == 1


def test_batch_days_below_one_exits_2_before_dbt_runs(tmp_path, warehouse, capsys):
    code, _, err = _run(
        capsys,
        "run",
        "--warehouse",
        str(warehouse),
        "--reports",
        str(tmp_path / "r"),
        "--batch-days",
        "0",
        "--quiet",
    )
    assert code == 2
    assert err.strip().splitlines() == ["mpm: --batch-days must be at least 1, not 0"]
    assert not (tmp_path / "r" / "dbt" / "target").exists()
