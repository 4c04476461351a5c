"""The night's alerts: a Slack-compatible webhook, a generic JSON webhook and
email (SMTP), to the destinations of the config folder's alerts.yml.

A plain notifier, not Great Expectations checkpoint actions: GE's Slack and
email actions see only GE validation results, while a night's verdict also
comes from dbt tests and the Python checks (links, consistency, drift FDR),
and recovery and "not evaluated for N nights" need the previous nights,
which a checkpoint action does not keep. So alerts render the run's
CheckResults, like the summary and the JUnit XML, one slice (rule x model,
version, segment, metric) at a time.

Events: `breach` (a slice broke on a day of the window, at or above the
declared severity, or the pipeline could not run), `recovery` (a slice that
breached on the previous night holds tonight), `not_evaluated` (a slice
that could not be evaluated for `not_evaluated_nights` nights in a row).
The previous night is a small JSON state file next to the report.

Delivery never decides the night: a destination that is down, refuses or
has no secret set is one "not evaluated" result (check `alert`, severity
warn) that the terminal summary and the report show; the exit code stays
what the checks made it.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from python_checks.declare.alerts import Alerts, Destination
from python_checks.report.junit import Case, cases
from python_checks.results import CheckResult, RunOutcome, Status

SEVERITY_RANK = {"warn": 0, "error": 1}
MAX_LINES = 20  # breach lines in a Slack message or email; the JSON has all


@dataclass
class Night:
    """What tonight's alerts say: the payload every destination renders."""

    payload: dict
    events: set[str] = field(default_factory=set)  # breach, recovery, not_evaluated

    @property
    def empty(self) -> bool:
        return not self.events


def _key(case: Case) -> str:
    return "|".join(
        (case.check, case.rule_id, case.model, case.model_version, case.segment, case.metric,
         case.feature, case.bound)
    )  # fmt: skip


def _link(path: str, reports: Path, base_url: str) -> str:
    """A report or Data Docs page as a link: under report_url when reports/
    is published, else the file's path on the machine that ran."""
    if not path:
        return ""
    if base_url:
        try:
            return f"{base_url}/{Path(path).resolve().relative_to(reports.resolve()).as_posix()}"
        except ValueError:
            pass
    return str(path)


def _slice(case: Case) -> dict:
    return {
        "check": case.check,
        "rule_id": case.rule_id,
        "model": case.model,
        "model_version": case.model_version,
        "segment": case.segment,
        "metric": case.metric,
        "feature": case.feature,
        "bound": case.bound,
    }


def _breach(case: Case, reports: Path, base_url: str, report_link: str) -> dict:
    breaches = sorted(
        (r for r in case.results if r.status is not Status.PASSED), key=lambda r: r.metric_date
    )
    values = [r.value for r in breaches if r.value is not None]
    below = case.bound.startswith(">=") or case.bound.startswith("[")
    docs = next((r.docs_path for r in reversed(breaches) if r.docs_path), "")
    return {
        **_slice(case),
        "severity": breaches[-1].severity,
        "days": sorted({r.metric_date for r in breaches if r.metric_date}),
        "value": breaches[-1].value,
        "worst": (min(values) if below else max(values)) if values else None,
        "message": breaches[-1].message,
        "data_docs": _link(docs, reports, base_url),
        "report": report_link,
    }


def assess(outcome: RunOutcome, alerts: Alerts, reports: Path, warehouse: str,
           previous: dict) -> tuple[Night, dict]:  # fmt: skip
    """Tonight's alert payload and the state to keep for tomorrow night."""
    settings = alerts.settings
    report_link = _link(outcome.report_path or str(reports / "report.html"), reports,
                        settings.report_url)  # fmt: skip
    night = Night(payload={})
    threshold = SEVERITY_RANK[settings.severity]
    breached, recovered, stale = [], [], []
    state = {"breached": [], "not_evaluated": {}}
    prior_breached = set(previous.get("breached", []))
    prior_streaks = previous.get("not_evaluated", {})
    for case in cases([r for r in outcome.results if r.check != "alert"]):
        key, status = _key(case), case.status
        if status is Status.BREACHED:
            state["breached"].append(key)
            if SEVERITY_RANK.get(case.results[0].severity, 1) >= threshold:
                breached.append(_breach(case, reports, settings.report_url, report_link))
        elif case.check == "pipeline" and status is Status.NOT_EVALUATED:
            # the pipeline could not run: the night failed like a breach
            breached.append(_breach(case, reports, settings.report_url, report_link))
        elif status is Status.NOT_EVALUATED:
            nights = int(prior_streaks.get(key, 0)) + 1
            state["not_evaluated"][key] = nights
            if settings.not_evaluated_nights and nights == settings.not_evaluated_nights:
                reasons = sorted({r.message for r in case.results})
                stale.append({**_slice(case), "nights": nights, "reason": "; ".join(reasons)})
        elif status is Status.PASSED and key in prior_breached and settings.on_recovery:
            recovered.append(_slice(case))
    results = [r for r in outcome.results if r.check != "alert"]
    errors = sum(r.is_error_breach for r in results)
    night.payload = {
        "source": "ml-product-metrics",
        "warehouse": warehouse,
        "exit_code": outcome.exit_code,
        "status": "failed" if outcome.exit_code else "ok",
        "summary": {
            "results": len(results),
            "passed": sum(r.status is Status.PASSED for r in results),
            "breached": sum(r.status is Status.BREACHED for r in results),
            "error_breaches": errors,
            "not_evaluated": sum(r.status is Status.NOT_EVALUATED for r in results),
        },
        "report": report_link,
        "data_docs": _link(outcome.data_docs_index, reports, settings.report_url),
        "breaches": breached,
        "recoveries": recovered,
        "not_evaluated": stale,
    }
    if breached:
        night.events.add("breach")
    if recovered:
        night.events.add("recovery")
    if stale:
        night.events.add("not_evaluated")
    state["breached"].sort()
    return night, state


def slack_message(night: Night) -> dict:
    """Slack's incoming-webhook format (`text`, mrkdwn); Mattermost, Rocket.Chat
    and Teams' Slack-compatible hooks read the same field."""
    p = night.payload
    s = p["summary"]
    head = (
        f"*ml-product-metrics: {'FAILED' if p['exit_code'] else 'OK'}* (exit {p['exit_code']}) "
        f"on `{p['warehouse']}`: {s['breached']} breached ({s['error_breaches']} error), "
        f"{s['not_evaluated']} not evaluated, {s['passed']} passed"
    )
    lines = [head]
    for b in p["breaches"][:MAX_LINES]:
        lines.append(f"• {_breach_line(b)}" + (f" <{b['data_docs']}|Data Docs>" if b["data_docs"]
                                               else ""))  # fmt: skip
    if len(p["breaches"]) > MAX_LINES:
        lines.append(f"… and {len(p['breaches']) - MAX_LINES} more")
    lines += [f"• recovered: {_slice_line(r)}" for r in p["recoveries"][:MAX_LINES]]
    lines += [
        f"• not evaluated for {n['nights']} nights: {_slice_line(n)} ({n['reason']})"
        for n in p["not_evaluated"][:MAX_LINES]
    ]
    if p["report"]:
        lines.append(f"Report: <{p['report']}|report.html>")
    return {"text": "\n".join(lines)}


def _slice_line(s: dict) -> str:
    parts = [s["check"], s["model"], s["metric"] + (f"[{s['feature']}]" if s["feature"] else "")]
    if s["model_version"]:
        parts.append(f"version {s['model_version']}")
    if s["segment"]:
        parts.append(f"segment {s['segment']}")
    if s["bound"]:
        parts.append(s["bound"])
    return " ".join(p for p in parts if p)


def _breach_line(b: dict) -> str:
    days = b["days"]
    span = "" if not days else days[0] if len(days) == 1 else f"{days[0]}..{days[-1]}"
    value = "" if b["value"] is None else f" latest {b['value']:.4g}"
    when = f" on {len(days)} day(s) {span}" if days else ""
    return f"{b['severity']}: {_slice_line(b)}{when}{value}"


def email_message(night: Night, destination: Destination) -> EmailMessage:
    p = night.payload
    message = EmailMessage()
    verdict = "FAILED" if p["exit_code"] else "OK"
    message["Subject"] = (
        f"[mpm] {verdict}: {p['summary']['error_breaches']} error breach(es), "
        f"{len(p['recoveries'])} recovered on {p['warehouse']}"
    )
    message["From"] = destination.sender
    message["To"] = ", ".join(destination.to)
    body = [slack_message(night)["text"].replace("*", ""), "", "Breaches (all):"]
    body += [f"  {_breach_line(b)}  {b['data_docs']}" for b in p["breaches"]]
    body += ["", f"Report: {p['report']}", f"Data Docs: {p['data_docs']}"]
    message.set_content("\n".join(body))
    return message


def _post(url: str, payload: dict, timeout: float) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, default=str).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        response.read()


def _send(destination: Destination, night: Night, timeout: float) -> None:
    """Deliver to one destination; raises on any failure (the caller reports it)."""
    if destination.kind in ("slack", "webhook"):
        url = os.environ.get(destination.url_env, "")
        if not url:
            raise LookupError(f"environment variable {destination.url_env} is not set")
        payload = slack_message(night) if destination.kind == "slack" else night.payload
        _post(url, payload, timeout)
        return
    password = os.environ.get(destination.password_env, "") if destination.password_env else ""
    if destination.password_env and not password:
        raise LookupError(f"environment variable {destination.password_env} is not set")
    with smtplib.SMTP(destination.host, destination.port, timeout=timeout) as smtp:
        if destination.starttls:
            smtp.starttls()
        if destination.password_env:
            user = os.environ.get(destination.username_env, "") if destination.username_env else ""
            smtp.login(user or destination.sender, password)
        smtp.send_message(email_message(night, destination))


def _why(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"unreachable ({exc.reason})"
    if isinstance(exc, LookupError):
        return str(exc.args[0]) if exc.args else str(exc)
    return f"{type(exc).__name__}: {exc}"


def state_path(alerts: Alerts, reports: Path) -> Path:
    path = Path(alerts.settings.state_file)
    return path if path.is_absolute() else reports / path


def read_state(path: Path) -> dict:
    """The previous night's state; none (a first night) when the file is
    missing or unreadable, which can only miss a recovery, never a breach."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def notify(outcome: RunOutcome, alerts: Alerts, reports: Path, warehouse: str) -> list[CheckResult]:
    """Send tonight's alerts and keep the state for tomorrow; returns one
    result per destination that was due and could not be reached (and one
    per successful delivery, passed), never raising."""
    if not alerts.destinations:
        return []
    path = state_path(alerts, reports)
    night, state = assess(outcome, alerts, reports, warehouse, read_state(path))
    results = []
    for destination in alerts.destinations:
        due = night.events & set(destination.events)
        if not due:
            continue
        what = f"alert {destination.name} ({destination.kind}, {', '.join(sorted(due))})"
        try:
            _send(destination, night, alerts.settings.timeout_seconds)
        except Exception as exc:  # a down destination never decides the night
            results.append(
                CheckResult.not_evaluated(
                    "alert", "warn", f"{what} could not be delivered: {_why(exc)}"
                )
            )
        else:
            results.append(
                CheckResult(
                    check="alert",
                    status=Status.PASSED,
                    severity="warn",
                    message=f"{what} delivered",
                )  # fmt: skip
            )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state, indent=1))
    except OSError as exc:
        results.append(
            CheckResult.not_evaluated(
                "alert", "warn", f"alert state {path} could not be written: {exc}; "
                "tomorrow cannot tell recoveries or not-evaluated streaks"
            )
        )  # fmt: skip
    return results
