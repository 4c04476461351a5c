"""dbt in this process (python_checks/warehouse/dbt.py): the parsed project
is cached and reused, the warehouse is free again after every invocation,
the static docs are rewritten only when the project changed, and the dbt
unit tests (which the nightly build leaves out) pass."""

from __future__ import annotations

import subprocess
import sys

import pytest

from python_checks.warehouse.dbt import Dbt, cache_dir, manifest_key
from python_checks.warehouse.engine import DuckDBEngine
from tests.conftest import write_warehouse
from tests.fixtures.classification_data import classification_frames


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MPM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "dbt-manifests"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small classification warehouse built once by a session."""
    root = tmp_path_factory.mktemp("session")
    warehouse = write_warehouse(root / "wh.duckdb", classification_frames(seed=5))
    session = Dbt(DuckDBEngine(warehouse), root / "dbt", quiet=True)
    results = session.build()
    return warehouse, root, session, results


def test_second_session_loads_the_parsed_project_from_the_cache(tmp_path, isolated_cache):
    engine = DuckDBEngine(tmp_path / "wh.duckdb")
    first = Dbt(engine, tmp_path / "a1", quiet=True)
    parsed = first.manifest()
    assert (tmp_path / "a1" / "target" / "partial_parse.msgpack").exists()  # dbt parsed
    assert cache_dir() == isolated_cache
    assert [p.name for p in isolated_cache.iterdir()] == [f"{first.manifest_key}.msgpack"]

    second = Dbt(engine, tmp_path / "a2", quiet=True)
    loaded = second.manifest()
    assert not (tmp_path / "a2").exists()  # no dbt invocation: nothing parsed
    assert set(loaded.nodes) == set(parsed.nodes)
    model = "model.ml_product_metrics.metrics_daily"
    assert loaded.nodes[model].depends_on.nodes == parsed.nodes[model].depends_on.nodes


def test_the_cache_key_follows_what_changes_the_parse(tmp_path):
    engine = DuckDBEngine(tmp_path / "wh.duckdb")
    key = manifest_key(engine, {})
    assert manifest_key(DuckDBEngine(tmp_path / "other" / "wh.duckdb"), {}) == key
    assert manifest_key(DuckDBEngine(tmp_path / "renamed.duckdb"), {}) != key  # database name
    assert manifest_key(engine, {"source_schema": "landing"}) != key  # a var dbt renders


def test_build_results_and_a_free_warehouse(built):
    warehouse, _, _, results = built
    failing = [r.message for r in results if r.status != "passed" and r.severity == "error"]
    assert failing == []
    assert not [r for r in results if r.check == "dbt_test" and "unit" in r.message]
    # Another process may write the file at once: dbt's connection is closed.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "print(con.execute('select count(*) from main.metrics_daily').fetchone()[0])",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0


def test_static_docs_are_rewritten_only_when_the_project_changed(built):
    _, root, session, _ = built
    docs = root / "docs"
    index = session.docs(docs)
    assert index == docs / "static_index.html" and index.exists()
    assert "metrics_daily" in index.read_text()
    written = index.stat().st_mtime_ns
    assert session.docs(docs) == index
    assert index.stat().st_mtime_ns == written
    (docs / ".manifest_key").write_text("another project")
    session.docs(docs)
    assert index.stat().st_mtime_ns != written


def test_dbt_unit_tests_pass(built):
    """The SQL's unit tests (`unit_tests:` in the models' YAML) run here and
    in CI; the nightly build leaves them out."""
    _, _, session, _ = built
    result = session.invoke(["test", "--select", "test_type:unit"])
    assert result.success, result.exception
    statuses = {
        r.node.name: str(r.status)
        for r in result.result.results
        if r.node.resource_type == "unit_test"
    }
    assert len(statuses) >= 5
    assert set(statuses.values()) == {"pass"}, statuses
