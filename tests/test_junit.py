"""`mpm run --junit-xml`: the checks as JUnit XML a CI system shows natively
(one case per rule x slice; breaches are failures, not-evaluated is skipped)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from python_checks.cli import main


@pytest.fixture
def failing_run(failing_night):
    return failing_night.exit_code, failing_night.junit


def _cases(root, classname_prefix=""):
    return {
        (case.get("classname"), case.get("name")): case
        for case in root.iter("testcase")
        if case.get("classname").startswith(classname_prefix)
    }


def test_breached_slices_are_failures_with_their_days(failing_run):
    code, root = failing_run
    assert code == 1
    cases = _cases(root, "mpm.threshold.fraud_model")
    # precision >= 0.99 on each version and the rollup: three slices, each a failure
    precision = {name: c for (_, name), c in cases.items() if name.startswith("precision ")}
    assert set(precision) == {
        f"precision version={v} segment=__all__ >= 0.99 (r001)" for v in ("a", "b", "__all__")
    }
    for case in precision.values():
        failure = case.find("failure")
        assert failure is not None and failure.get("type") == "error"
        # the fixture's labelled days are 03-01, 03-02, 03-03 and 03-05 (03-04 has no label)
        assert "breaks >= 0.99 on" in failure.get("message")
        assert "2026-03-01" in failure.text and "Data Docs:" in failure.text


def test_held_slices_pass_and_unevaluable_rules_are_skipped(failing_run):
    _, root = failing_run
    cases = _cases(root, "mpm.threshold.fraud_model")
    recall = [c for (_, name), c in cases.items() if name.startswith("recall ")]
    assert len(recall) == 3
    # passed: no failure, no skipped; the day without labels is named, not hidden
    assert all(c.find("failure") is None and c.find("skipped") is None for c in recall)
    assert all("2026-03-04: undefined value" in c.find("system-out").text for c in recall)
    auc = [c for (_, name), c in cases.items() if name.startswith("auc_roc ")]
    assert len(auc) == 1
    skipped = auc[0].find("skipped")
    assert skipped is not None
    assert "not evaluated" in skipped.get("message")
    assert "sample size below 1000000000" in skipped.get("message")


def test_totals_and_python_checks_are_in_the_xml(failing_run):
    _, root = failing_run
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert {"mpm.threshold", "mpm.reconciliation", "mpm.staleness"} <= set(suites)
    tests = sum(int(s.get("tests")) for s in suites.values())
    failures = sum(int(s.get("failures")) for s in suites.values())
    skipped = sum(int(s.get("skipped")) for s in suites.values())
    assert int(root.get("tests")) == tests == len(list(root.iter("testcase")))
    assert int(root.get("failures")) == failures == len(list(root.iter("failure")))
    assert int(root.get("skipped")) == skipped == len(list(root.iter("skipped")))
    assert suites["mpm.threshold"].get("failures") == "3"
    # the reconciliation agrees with sklearn on this warehouse: no failure there
    assert suites["mpm.reconciliation"].get("failures") == "0"


def test_a_run_that_cannot_start_is_one_error_case(tmp_path, capsys):
    junit = tmp_path / "checks.xml"
    code = main(
        ["run", "--warehouse", str(tmp_path / "missing.duckdb"), "--reports",
         str(tmp_path / "r"), "--junit-xml", str(junit)]
    )  # fmt: skip
    assert code == 2
    root = ET.parse(junit).getroot()
    (error,) = root.iter("error")
    assert "missing.duckdb" in error.get("message")
    assert root.get("errors") == "1"
