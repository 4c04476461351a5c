"""The run's check results as JUnit XML (`mpm run --junit-xml PATH`), so
GitLab, Jenkins and GitHub show them as test cases natively.

One test case per rule x slice (check, rule, model, version, segment,
metric, feature, bound): a slice that breached on any day is a <failure>
(its days folded into one message, each day in the body), a slice that
could not be evaluated is <skipped> with the reason (never a pass), and a
slice that held is a plain case. Python checks and dbt tests follow the same
key. Like the terminal summary it renders CheckResults and decides nothing;
a run that could not start (exit 2) is one <error> case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from python_checks.results import CheckResult, RunOutcome, Status


@dataclass
class Case:
    check: str
    rule_id: str
    model: str
    model_version: str
    segment: str
    metric: str
    feature: str
    bound: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def status(self) -> Status:
        statuses = {r.status for r in self.results}
        if Status.BREACHED in statuses:
            return Status.BREACHED
        if statuses == {Status.NOT_EVALUATED}:
            return Status.NOT_EVALUATED
        if statuses == {Status.NOT_APPLICABLE}:
            return Status.NOT_APPLICABLE
        return Status.PASSED

    @property
    def classname(self) -> str:
        return ".".join(part for part in ("mpm", self.check, self.model) if part)

    @property
    def name(self) -> str:
        metric = self.metric + (f"[{self.feature}]" if self.feature else "")
        parts = [metric or self.check]
        if self.model_version:
            parts.append(f"version={self.model_version}")
        if self.segment:
            parts.append(f"segment={self.segment}")
        if self.bound:
            parts.append(self.bound)
        if self.rule_id:
            parts.append(f"({self.rule_id})")
        return " ".join(parts)


def cases(results: list[CheckResult]) -> list[Case]:
    """The results grouped into test cases, in a stable order."""
    grouped: dict[tuple, Case] = {}

    def add(result: CheckResult, version: str, segment: str, feature: str) -> None:
        key = (
            result.check,
            str(result.details.get("rule_id", "")),
            result.model,
            version,
            segment,
            result.metric,
            feature,
            result.bound,
        )
        if key not in grouped:
            grouped[key] = Case(*key)
        grouped[key].results.append(result)

    for r in results:
        slices = r.details.get("slices")
        if slices:  # a threshold rule's slices (held, or not evaluated), one case each
            for version, segment, feature, *why in slices:
                if why:  # the slice's days that could not be evaluated, and why
                    r = replace(r, message=why[0])
                add(r, version, segment, feature)
        else:
            add(r, r.model_version, r.segment, r.feature)
    return sorted(grouped.values(), key=lambda c: (c.check, c.model, c.rule_id, c.name))


def _failure_text(case: Case) -> tuple[str, str]:
    breaches = sorted(
        (r for r in case.results if r.status is Status.BREACHED), key=lambda r: r.metric_date
    )
    days = sorted({r.metric_date for r in breaches if r.metric_date})
    severity = breaches[-1].severity
    if days:
        span = days[0] if len(days) == 1 else f"{days[0]}..{days[-1]}"
        latest = breaches[-1].value
        shown = "null" if latest is None else f"{latest:.4g}"
        message = (
            f"{severity}: breaks {case.bound or 'its check'} on {len(days)} day(s) {span}; "
            f"latest {shown}"
        )
    else:
        message = f"{severity}: {breaches[-1].message}"
    body = [r.message for r in breaches]
    pages = sorted({r.docs_path for r in breaches if r.docs_path})
    body += [f"Data Docs: {page}" for page in pages]
    return message, "\n".join(body)


def to_xml(outcome: RunOutcome) -> ET.ElementTree:
    by_check: dict[str, list[Case]] = defaultdict(list)
    for case in cases(outcome.results):
        by_check[case.check].append(case)
    root = ET.Element("testsuites", name="mpm run")
    totals = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
    for check, items in by_check.items():
        suite = ET.SubElement(root, "testsuite", name=f"mpm.{check}")
        counts = {"tests": len(items), "failures": 0, "skipped": 0, "errors": 0}
        for case in items:
            element = ET.SubElement(
                suite, "testcase", classname=case.classname, name=case.name, time="0"
            )
            status = case.status
            if status is Status.BREACHED:
                message, body = _failure_text(case)
                failure = ET.SubElement(
                    element, "failure", message=message, type=case.results[0].severity
                )
                failure.text = body
                counts["failures"] += 1
            elif status in (Status.NOT_EVALUATED, Status.NOT_APPLICABLE):
                # a CI system shows both as skipped; the message says which
                reasons = sorted({r.message for r in case.results})
                label = "not evaluated" if status is Status.NOT_EVALUATED else "not applicable"
                ET.SubElement(element, "skipped", message=f"{label}: " + "; ".join(reasons))
                counts["skipped"] += 1
            unevaluated = [r.message for r in case.results if r.status is Status.NOT_EVALUATED]
            if unevaluated and status is not Status.NOT_EVALUATED:
                # held (or broke) on the days it could judge; the others are named
                out = ET.SubElement(element, "system-out")
                out.text = "not evaluated: " + "; ".join(sorted(set(unevaluated)))
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.ElementTree(root)


def write(outcome: RunOutcome, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    to_xml(outcome).write(path, encoding="utf-8", xml_declaration=True)
    return path


def write_error(reason: str, path: Path) -> Path:
    """A run that could not start (exit 2): one <error> case saying why, so
    the CI system shows the reason instead of a missing report."""
    root = ET.Element("testsuites", name="mpm run", tests="1", failures="0", errors="1")
    suite = ET.SubElement(
        root, "testsuite", name="mpm.run", tests="1", failures="0", errors="1", skipped="0"
    )
    case = ET.SubElement(suite, "testcase", classname="mpm.run", name="mpm run", time="0")
    ET.SubElement(case, "error", message=reason, type="could not run")
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
