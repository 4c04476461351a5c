"""Declarations are validated once, before anything reaches SQL or a GE
condition: a hostile or malformed value is a configuration error (exit 2)."""

from __future__ import annotations

import pytest

from python_checks.declare import dbt_vars, thresholds
from python_checks.errors import ConfigError


def _write(tmp_path, text):
    path = tmp_path / "thresholds.yml"
    path.write_text(text)
    return path


def test_project_thresholds_load():
    loaded = thresholds.load_thresholds()
    assert loaded.rules, "the project declares rules"
    ids = [rule.rule_id for rule in loaded.rules]
    assert len(ids) == len(set(ids))
    precision = [r for r in loaded.rules if r.model == "spam_filter" and r.metric == "precision"]
    assert precision[0].min == 0.8 and precision[0].severity == "error"
    # Settings fill what a rule leaves out.
    assert precision[0].min_sample_size == loaded.settings.min_sample_size


@pytest.mark.parametrize(
    "rule, message",
    [
        (
            '{model: "x\'; drop table raw.predictions; --", metric: precision, min: 0.5}',
            "is not a plain name",
        ),
        ("{model: spam_filter, metric: precision}", "neither min nor max"),
        ("{model: spam_filter, metric: precision, min: high}", "must be a number"),
        ("{model: spam_filter, metric: precision, min: 0.5, severity: fatal}", "warn or error"),
        ("{model: spam_filter, metric: precision, min: 0.5, colour: red}", "unknown keys"),
        ("{metric: precision, min: 0.5}", "has no model"),
        ('{model: spam_filter, metric: "precision\\")", min: 0.5}', "is not a plain name"),
    ],
)
def test_bad_rules_are_configuration_errors(tmp_path, rule, message):
    path = _write(tmp_path, f"rules:\n  - {rule}\n")
    with pytest.raises(ConfigError, match=message):
        thresholds.load_thresholds(path)


def test_unreadable_yaml_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        thresholds.load_thresholds(_write(tmp_path, "rules: [unclosed"))


def test_missing_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        thresholds.load_thresholds(tmp_path / "nope.yml")


def test_dbt_vars_are_read_from_the_project():
    assert dbt_vars.read_vars()["source_schema"] == "raw"
