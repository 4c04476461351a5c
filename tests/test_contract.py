"""The source contract is one document, CONTRACT.md, in the repository:
the preflight and the demo generator read it (python_checks/declare/
contract.py), and the dbt sources must declare the same tables, columns
and types."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from python_checks.declare.contract import CONTRACT_FILE, source_tables
from python_checks.paths import PROJECT_ROOT

SOURCES = PROJECT_ROOT / "models" / "staging" / "_sources.yml"
SHARED = PROJECT_ROOT.parent / "shared" / "CONTRACT.md"
# The contract's type words as the dbt sources spell them.
DBT_TYPES = {"VARCHAR": "varchar", "DOUBLE": "double", "TIMESTAMP": "timestamp",
             "BOOLEAN": "boolean", "INTEGER": "integer"}  # fmt: skip


def dbt_source_tables() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load(SOURCES.read_text())
    (source,) = [s for s in raw["sources"] if s["name"] == "raw"]
    return {
        table["name"]: {c["name"]: c.get("data_type", "") for c in table.get("columns", [])}
        for table in source["tables"]
    }


def test_contract_document_declares_the_source_tables():
    tables = source_tables()
    assert list(tables)[:6] == ["predictions", "prediction_features", "labels", "events",
                                "items", "users"]  # fmt: skip
    assert tables["predictions"].columns["predicted_at"] == "TIMESTAMP"
    assert tables["predictions"].columns["rank"] == "INTEGER"
    assert "prediction_id" in tables["predictions"].not_null
    assert "user_id" not in tables["predictions"].not_null
    assert not tables["labels"].optional
    assert tables["model_versions"].optional and tables["offline_metrics"].optional


def test_dbt_sources_match_the_contract():
    declared = dbt_source_tables()
    for name, table in source_tables().items():
        if table.optional and name not in declared:
            continue  # an optional table the models do not read yet
        assert name in declared, f"_sources.yml does not declare {name}"
        expected = {column: DBT_TYPES[typ] for column, typ in table.columns.items()}
        assert declared[name] == expected, name
    assert set(declared) <= set(source_tables())


def test_repository_copy_is_the_shared_contract():
    if not SHARED.exists():
        pytest.skip(f"no shared contract at {SHARED} to compare with on this machine")
    assert Path(CONTRACT_FILE).read_text() == SHARED.read_text()
