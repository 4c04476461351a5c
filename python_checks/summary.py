"""The terminal summary of a run: what breached (model, version, segment,
day, metric, value, bound, Data Docs page), what could not be evaluated and
why, and the verdict. It renders CheckResults and nothing else."""

from __future__ import annotations

import os
from collections import Counter

from python_checks.results import CheckResult, RunOutcome, Status

MAX_BREACH_LINES = 60


def _short_path(path: str) -> str:
    if not path:
        return ""
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def _value(value: float | None) -> str:
    return "null" if value is None else f"{value:.6g}"


def render(outcome: RunOutcome, warehouse: str) -> str:
    results = outcome.results
    counts = Counter(r.status for r in results)
    breaches = [r for r in results if r.status is Status.BREACHED]
    errors = [r for r in breaches if r.severity == "error"]
    lines = [f"ml-product-metrics: {warehouse}"]
    if outcome.steps:
        lines.append("steps: " + " · ".join(f"{name} {secs:.1f}s" for name, secs in outcome.steps))
    lines.append(
        f"checks: {len(results)} results: {counts[Status.PASSED]} passed, "
        f"{len(breaches)} breached ({len(errors)} error, {len(breaches) - len(errors)} warn), "
        f"{counts[Status.NOT_EVALUATED]} not evaluated"
    )
    if breaches:
        lines += ["", "BREACHES"]
        header = (
            "severity",
            "check",
            "model",
            "version",
            "segment",
            "day",
            "metric",
            "value",
            "bound",
            "data docs",
        )
        table = [header]
        ordered = sorted(
            breaches,
            key=lambda r: (
                r.severity != "error",
                r.model,
                r.metric,
                r.model_version,
                r.segment,
                r.metric_date,
            ),
        )
        for r in ordered[:MAX_BREACH_LINES]:
            metric = r.metric + (f"[{r.feature}]" if r.feature else "")
            table.append(
                (
                    r.severity,
                    r.check,
                    r.model,
                    r.model_version,
                    r.segment,
                    r.metric_date,
                    metric,
                    _value(r.value),
                    r.bound,
                    _short_path(r.docs_path),
                )
            )
        widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
        for row in table:
            lines.append(
                "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        if len(ordered) > MAX_BREACH_LINES:
            lines.append(f"... and {len(ordered) - MAX_BREACH_LINES} more in run_results.json")
        messages = [r for r in ordered if r.check != "threshold"]
        if messages:
            lines += ["", "DETAILS"]
            lines += [f"  {r.check} {r.model}: {r.message}" for r in messages[:20]]
    not_evaluated = [r for r in results if r.status is Status.NOT_EVALUATED]
    if not_evaluated:
        lines += ["", "NOT EVALUATED (never counted as passed)"]
        lines += [f"  {r.check}: {r.message}" for r in not_evaluated[:30]]
        if len(not_evaluated) > 30:
            lines.append(f"  ... and {len(not_evaluated) - 30} more in run_results.json")
    lines.append("")
    if outcome.data_docs_index:
        lines.append(f"Data Docs: {_short_path(outcome.data_docs_index)}")
    if outcome.report_path:
        lines.append(f"Report:    {_short_path(outcome.report_path)}")
    if errors:
        lines.append(f"FAILED (exit 1): {len(errors)} error-severity breach(es)")
    else:
        lines.append("OK (exit 0): no error-severity breach")
    return "\n".join(lines)


def first_breach_line(results: list[CheckResult]) -> str:
    for r in results:
        if r.is_error_breach:
            return f"{r.model} {r.metric} {r.model_version} {r.metric_date}"
    return ""
