"""A configuration that cannot mean what it says is exit 2 with one line
naming the file, the entry (rule index and model/metric) and the problem,
before anything is built: never a quiet pass, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from python_checks.cli import main
from tests.conftest import query, write_warehouse
from tests.fixtures.classification_data import classification_frames


@pytest.fixture
def warehouse(tmp_path):
    return write_warehouse(tmp_path / "wh.duckdb", classification_frames(seed=4))


def _run(capsys, warehouse: Path, *extra: str) -> tuple[int, str]:
    code = main(
        ["run", "--warehouse", str(warehouse), "--reports", str(warehouse.parent / "r"),
         "--quiet", *extra]
    )  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err  # one line, never a stack trace
    return code, err[0]


def _built(warehouse: Path) -> bool:
    tables = query(warehouse, "select table_name from information_schema.tables")
    return "metrics_daily" in set(tables.table_name)


THRESHOLD_CASES = [
    (
        "min_above_max",
        "rules:\n  - {model: fraud_model, metric: precision, min: 0.5, max: 0.08}\n",
        "rule 1 (fraud_model precision): min 0.5 is above max 0.08, so no value can pass",
    ),
    (
        "negative_window",
        "settings: {evaluation_window_days: -3}\nrules: []\n",
        "settings.evaluation_window_days must be a whole number >= 1, got -3",
    ),
    (
        "misspelt_metric",
        "rules:\n  - {model: fraud_model, metric: precision, min: 0.5}\n"
        "  - {model: fraud_model, metric: auc_rco, min: 0.8}\n",
        "rule 2 (fraud_model auc_rco): no mart publishes a metric 'auc_rco' "
        "(did you mean 'auc_roc'?)",
    ),
    (
        "misspelt_setting",
        "settings: {min_sample_sise: 10}\nrules: []\n",
        "settings has unknown keys ['min_sample_sise'] "
        "(did you mean 'min_sample_sise' -> 'min_sample_size'?)",
    ),
    (
        "misspelt_rule_key",
        "rules:\n  - {model: fraud_model, metric: precision, min: 0.5, severty: warn}\n",
        "rule 1 has unknown keys ['severty'] (did you mean 'severty' -> 'severity'?)",
    ),
    (
        "non_numeric_bound",
        "rules:\n  - {model: fraud_model, metric: precision, min: high}\n",
        "rule 1 (fraud_model precision): min must be a number, got 'high'",
    ),
    (
        "coverage_above_one",
        "rules:\n  - {model: fraud_model, metric: precision, min: 0.5, min_label_coverage: 60}\n",
        "rule 1 (fraud_model precision): min_label_coverage must be a share between 0 and 1, "
        "got 60",
    ),
    (
        "yaml_error",
        "rules:\n  - {model: fraud_model, metric: precision, min: [0.5}\n",
        "not valid YAML at line 2 (ParserError)",
    ),
    (
        "retired_key",
        "checks:\n  served_labels: {max_contradiction_share: 0.0}\n",
        "checks.served_labels.max_contradiction_share is no longer read: the "
        "served_label_consistency rule (rules:) is the one bound of served labels now; "
        "delete this key",
    ),
]


@pytest.mark.parametrize(
    "text, line", [case[1:] for case in THRESHOLD_CASES], ids=[c[0] for c in THRESHOLD_CASES]
)
def test_invalid_thresholds_exit_2_naming_file_rule_and_problem(
    tmp_path, capsys, warehouse, text, line
):
    thresholds = tmp_path / "thresholds.yml"
    thresholds.write_text(text)
    code, err = _run(capsys, warehouse, "--thresholds", str(thresholds))
    assert (code, err) == (2, f"mpm: configuration error: {thresholds}: {line}")
    assert not _built(warehouse)


def test_a_link_naming_an_unpublished_metric_is_a_configuration_error(tmp_path):
    from python_checks import declare
    from python_checks.declare import MetricCatalog, MetricInfo
    from python_checks.errors import ConfigError

    links = tmp_path / "links.yml"
    links.write_text(
        "links:\n  - name: p->t\n    model: {model: m, metric: precison}\n"
        "    business: {model: __product__, metric: ctr}\n"
    )
    thresholds = tmp_path / "thresholds.yml"
    thresholds.write_text("rules: []\n")
    catalog = MetricCatalog(
        precision=MetricInfo("precision", "model_quality", "classification_metrics_daily", True),
        ctr=MetricInfo("ctr", "business", "business_metrics_daily", False),
    )
    declared = declare.load(thresholds, links)
    with pytest.raises(ConfigError) as raised:
        declared.with_catalog(catalog)
    assert str(raised.value) == (
        f"configuration error: {links}: link p->t: no mart publishes a metric 'precison' "
        "(did you mean 'precision'?)"
    )
    # A model metric a link can compute from the staged rows needs no mart.
    links.write_text(
        "links:\n  - name: l->c\n    model: {model: m, metric: latency_p95_ms}\n"
        "    business: {model: __product__, metric: ctr}\n"
    )
    declare.load(thresholds, links).with_catalog(catalog)
