"""Config per project: the demo's config lives beside the demo, a user's
warehouse has its own folder (--config-dir, MPM_CONFIG_DIR, or
<stem>.mpm/ beside the warehouse), a warehouse without one is exit 2 naming
`mpm init`, and a model the config names but the warehouse lacks is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from python_checks import cli, declare, nightly, paths
from python_checks.errors import UsageError
from python_checks.results import RunOutcome
from tests.conftest import write_warehouse


def test_config_dir_is_flag_then_env_then_beside_the_warehouse(tmp_path, monkeypatch):
    warehouse = tmp_path / "data" / "wh.duckdb"
    monkeypatch.delenv(paths.CONFIG_DIR_ENV, raising=False)
    assert paths.config_dir(warehouse) == tmp_path / "data" / "wh.mpm"
    assert paths.config_dir(paths.DEMO_WAREHOUSE) == paths.DEMO_CONFIG_DIR
    monkeypatch.setenv(paths.CONFIG_DIR_ENV, str(tmp_path / "env"))
    assert paths.config_dir(warehouse) == tmp_path / "env"
    assert paths.config_dir(warehouse, tmp_path / "flag") == tmp_path / "flag"


def test_the_demo_config_is_beside_the_demo():
    assert paths.THRESHOLDS_FILE == paths.DEMO_CONFIG_DIR / "thresholds.yml"
    assert paths.DEMO_CONFIG_DIR.parent.name == "demo"
    assert paths.THRESHOLDS_FILE.is_file() and paths.LINKS_FILE.is_file()
    assert not (paths.PROJECT_ROOT / "expectations" / "thresholds.yml").exists()


def test_run_without_a_config_exits_2_saying_how_to_write_one(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(paths.CONFIG_DIR_ENV, raising=False)
    warehouse = write_warehouse(tmp_path / "wh.duckdb", {})
    code = cli.main(["run", "--warehouse", str(warehouse), "--reports", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (
        f"mpm: no configuration for {warehouse}: {tmp_path / 'wh.mpm' / 'thresholds.yml'} "
        f"does not exist; write one with `mpm init --warehouse {warehouse}` (or point "
        "--config-dir or MPM_CONFIG_DIR at a config folder)"
    )
    assert not (tmp_path / "r").exists()  # nothing ran


def test_demo_command_uses_the_demo_config(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.CONFIG_DIR_ENV, str(tmp_path / "elsewhere"))
    seen = {}
    monkeypatch.setattr(cli, "_generate", lambda args, warehouse: None)

    def fake_run(options):
        seen["folder"] = paths.config_dir(options.warehouse, options.config_dir)
        return RunOutcome()

    monkeypatch.setattr(nightly, "run", fake_run)
    monkeypatch.setattr("python_checks.report.summary.render", lambda outcome, where: "")
    assert cli.main(["demo", "--warehouse", str(tmp_path / "d.duckdb")]) == 0
    assert seen["folder"] == paths.DEMO_CONFIG_DIR


@pytest.mark.parametrize("missing", ["links.yml"])
def test_a_config_folder_without_links_is_a_config_error(tmp_path, missing):
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "thresholds.yml").write_text(paths.THRESHOLDS_FILE.read_text())
    with pytest.raises(UsageError, match=str(Path(folder / missing))):
        declare.load(config_dir=folder)
