"""Config per project: the demo's config lives beside the demo, a user's
warehouse has its own folder (--config-dir, MPM_CONFIG_DIR, or
<stem>.mpm/ beside the warehouse), a warehouse without one is exit 2 naming
`mpm init`, and a model the config names but the warehouse lacks is one line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from python_checks import cli, declare, nightly, paths
from python_checks.errors import UsageError
from python_checks.results import RunOutcome, Status
from tests.conftest import write_warehouse


def test_config_dir_is_flag_then_env_then_beside_the_warehouse(tmp_path, monkeypatch):
    warehouse = tmp_path / "data" / "wh.duckdb"
    monkeypatch.delenv(paths.CONFIG_DIR_ENV, raising=False)
    assert paths.config_dir(warehouse) == tmp_path / "data" / "wh.mpm"
    assert paths.config_dir(paths.DEMO_WAREHOUSE) == paths.DEMO_CONFIG_DIR
    monkeypatch.setenv(paths.CONFIG_DIR_ENV, str(tmp_path / "env"))
    assert paths.config_dir(warehouse) == tmp_path / "env"
    assert paths.config_dir(warehouse, tmp_path / "flag") == tmp_path / "flag"


def test_the_demo_config_is_its_own_folder_under_expectations():
    assert paths.THRESHOLDS_FILE == paths.DEMO_CONFIG_DIR / "thresholds.yml"
    assert paths.DEMO_CONFIG_DIR == paths.PROJECT_ROOT / "expectations" / "demo"
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


def _demo_counts() -> tuple[dict[str, int], dict[str, int]]:
    """Per model, how many demo rules and links/guardrails name it (read
    from the files themselves, not through the loader under test)."""
    rules = yaml.safe_load(paths.THRESHOLDS_FILE.read_text())["rules"]
    by_rule: dict[str, int] = {}
    for rule in rules:
        by_rule[rule["model"]] = by_rule.get(rule["model"], 0) + 1
    raw = yaml.safe_load(paths.LINKS_FILE.read_text())
    by_link: dict[str, int] = {}
    for link in raw.get("links") or []:
        for model in {link["model"]["model"], link["business"]["model"]}:
            by_link[model] = by_link.get(model, 0) + 1
    for pair in (raw.get("guardrails") or {}).get("pairs") or []:
        engagement = pair["engagement"]["model"]
        for guard in pair.get("guardrails") or []:
            for model in {engagement, guard.get("model", engagement)}:
                by_link[model] = by_link.get(model, 0) + 1
    return by_rule, by_link


def test_a_model_absent_from_the_warehouse_is_reported_once():
    declared = declare.load()
    by_rule, by_link = _demo_counts()
    metrics = pd.DataFrame({"model_name": ["spam_filter", "__product__"]})
    outcome = RunOutcome()
    kept = nightly.absent_models(declared, metrics, outcome)

    absent = sorted(m for m in {*by_rule, *by_link} - {"*", "spam_filter", "__product__"})
    assert absent == ["home_feed", "price_estimator", "ticket_summarizer"]
    assert [r.model for r in outcome.results] == absent
    for result in outcome.results:
        assert result.status is Status.NOT_EVALUATED and result.check == "config"
        assert len(result.details["rules"]) == by_rule.get(result.model, 0)
        assert len(result.details["links"]) == by_link.get(result.model, 0)
        assert f"model {result.model} is named by {by_rule[result.model]} rule(s)" in (
            result.message
        )
    # What stays: the rules of present models and of every model ("*").
    assert {r.model for r in kept.thresholds.rules} == {"spam_filter", "*"}
    assert len(kept.thresholds.rules) == by_rule["spam_filter"] + by_rule["*"]
    for link in kept.links.links:
        assert {link.model.model, link.business.model} <= {"spam_filter", "__product__"}


def test_nothing_absent_keeps_every_declaration():
    declared = declare.load()
    by_rule, _ = _demo_counts()
    present = pd.DataFrame({"model_name": [m for m in by_rule if m != "*"] + ["__product__"]})
    outcome = RunOutcome()
    kept = nightly.absent_models(declared, present, outcome)
    assert outcome.results == []
    assert kept.thresholds.rules == declared.thresholds.rules
    assert kept.links == declared.links


@pytest.mark.parametrize("missing", ["links.yml"])
def test_a_config_folder_without_links_is_a_config_error(tmp_path, missing):
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "thresholds.yml").write_text(paths.THRESHOLDS_FILE.read_text())
    with pytest.raises(UsageError, match=str(Path(folder / missing))):
        declare.load(config_dir=folder)
