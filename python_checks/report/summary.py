"""The terminal summary of a run: what breached (model, version, segment,
days, metric, value, bound, Data Docs page), what could not be evaluated and
why, and the verdict. It renders CheckResults and nothing else.

Day-level breaches of one slice are folded into one line (first and last
day, number of days, latest and worst value): a metric that broke on day 20
should read as one incident, not ten lines. run_results.json keeps every
day."""

from __future__ import annotations

import os
from collections import Counter, defaultdict

from python_checks.results import CheckResult, RunOutcome, Status

MAX_LINES = 40
# Checks whose table row says everything; the others get their message printed.
_SELF_EXPLAINED = ("threshold", "dbt_test", "reconciliation", "served_labels")


def _short_path(path: str) -> str:
    if not path:
        return ""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _value(value: float | None) -> str:
    return "null" if value is None else f"{value:.4g}"


def _table(rows: list[tuple], header: tuple) -> list[str]:
    table = [header, *rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    return [
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]


def incidents(breaches: list[CheckResult]) -> list[dict]:
    """Day-level breaches folded per (severity, check, model, version, segment, metric)."""
    groups: dict[tuple, list[CheckResult]] = defaultdict(list)
    for r in breaches:
        metric = r.metric + (f"[{r.feature}]" if r.feature else "")
        key = (r.severity, r.check, r.model, r.model_version, r.segment, metric, r.bound)
        groups[key].append(r)
    folded = []
    for (severity, check, model, version, segment, metric, bound), items in groups.items():
        items.sort(key=lambda r: r.metric_date)
        values = [r.value for r in items if r.value is not None]
        below = items[0].bound.startswith(">=") or items[0].bound.startswith("[")
        worst = (min(values) if below else max(values)) if values else None
        folded.append(
            {
                "severity": severity,
                "check": check,
                "model": model,
                "model_version": version,
                "segment": segment,
                "metric": metric,
                "bound": bound,
                "first_day": items[0].metric_date,
                "last_day": items[-1].metric_date,
                "days": len({r.metric_date for r in items}),
                "latest": items[-1].value,
                "worst": worst,
                "docs_path": items[-1].docs_path,
                "message": items[-1].message,
            }
        )
    folded.sort(
        key=lambda i: (
            i["severity"] != "error",
            i["model"],
            i["metric"],
            i["model_version"],
            i["segment"],
        )
    )
    return folded


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
        + (
            f", {counts[Status.NOT_APPLICABLE]} not applicable"
            if counts[Status.NOT_APPLICABLE]
            else ""
        )
    )
    for r in results:
        if "tests" in r.details:  # multiple-testing checks say how many tests ran
            lines.append(f"tests: {r.check}: {r.message}")
    # what the night's alerts did (a failed delivery is also under NOT EVALUATED)
    lines += [f"alerts: {r.message}" for r in results if r.check == "alert"]
    sliced = [r for r in breaches if r.metric_date]
    other = [r for r in breaches if not r.metric_date]
    if sliced:
        folded = incidents(sliced)
        lines += ["", "BREACHES (one line per slice; every day is in run_results.json)"]
        rows = [
            (
                i["severity"],
                i["check"],
                i["model"],
                i["model_version"],
                i["segment"],
                i["first_day"] if i["days"] == 1 else f"{i['first_day']}..{i['last_day']}",
                i["days"],
                i["metric"],
                _value(i["latest"]),
                _value(i["worst"]),
                i["bound"],
            )
            for i in folded[:MAX_LINES]
        ]
        lines += _table(
            rows,
            (
                "severity",
                "check",
                "model",
                "version",
                "segment",
                "day(s)",
                "n",
                "metric",
                "latest",
                "worst",
                "bound",
            ),
        )
        if len(folded) > MAX_LINES:
            lines.append(f"... and {len(folded) - MAX_LINES} more slices")
        explained = [i for i in folded[:MAX_LINES] if i["check"] not in _SELF_EXPLAINED]
        if explained:
            # cross-layer checks: the latest day's message names both layers'
            # metrics and how each moved, which the table cannot
            lines += ["", "WHAT MOVED (latest day of each cross-layer breach)"]
            lines += [f"  {i['severity']:5}  {i['message']}" for i in explained]
        pages = sorted({i["docs_path"] for i in folded if i["docs_path"]})
        if pages:
            lines += ["", "Data Docs pages of the breaches:"]
            lines += [f"  {_short_path(page)}" for page in pages]
    if other:
        lines += ["", "OTHER BREACHES"]
        lines += [f"  {r.severity:5}  {r.check}: {r.message}" for r in other[:MAX_LINES]]
    not_evaluated = [r for r in results if r.status is Status.NOT_EVALUATED]
    if not_evaluated:
        lines += ["", "NOT EVALUATED (never counted as passed)"]
        lines += [f"  {r.check}: {r.message}" for r in not_evaluated[:MAX_LINES]]
        if len(not_evaluated) > MAX_LINES:
            lines.append(f"  ... and {len(not_evaluated) - MAX_LINES} more in run_results.json")
    not_applicable = [r for r in results if r.status is Status.NOT_APPLICABLE]
    if not_applicable:
        lines += ["", "NOT APPLICABLE (nothing of their kind here; neither passed nor failed)"]
        lines += [f"  {r.check}: {r.message}" for r in not_applicable]
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
