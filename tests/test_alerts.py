"""Alerts to real servers on 127.0.0.1: the payloads a Slack-compatible hook,
a generic JSON hook and an SMTP server receive on a failing night, that a
destination that is down is reported and never changes the exit code, and
(through the library, no warehouse) recovery and not-evaluated streaks
across nights from the state file."""

from __future__ import annotations

import json

import pytest

from python_checks import alerts
from python_checks.declare.alerts import load_alerts
from python_checks.errors import ConfigError
from python_checks.results import CheckResult, RunOutcome, Status
from tests.fixtures.servers import http_server

BASE = "https://ci.example/artifacts/reports"


def _posts(night, path):
    return [body for p, body in night.posts if p == path]


def test_breaches_reach_the_json_hook_with_their_slices_and_links(failing_night):
    assert failing_night.exit_code == 1
    (payload,) = _posts(failing_night, "/hook")
    assert payload["exit_code"] == 1 and payload["status"] == "failed"
    assert payload["report"] == f"{BASE}/report.html"
    assert payload["data_docs"] == f"{BASE}/data_docs/index.html"
    breached = [r for r in failing_night.run_results["results"] if r["status"] == "breached"]
    assert payload["summary"]["breached"] == len(breached)
    precision = {b["model_version"]: b for b in payload["breaches"] if b["metric"] == "precision"}
    assert set(precision) == {"a", "b", "__all__"}
    for version, b in precision.items():
        rows = sorted(
            (r for r in breached if r["metric"] == "precision" and r["model_version"] == version),
            key=lambda r: r["metric_date"],
        )
        assert b["model"] == "fraud_model" and b["segment"] == "__all__"
        assert b["bound"] == ">= 0.99" and b["severity"] == "error" and b["rule_id"] == "r001"
        assert b["days"] == [r["metric_date"] for r in rows]
        assert b["value"] == pytest.approx(rows[-1]["value"])
        assert b["worst"] == pytest.approx(min(r["value"] for r in rows))
        assert b["data_docs"].startswith(f"{BASE}/data_docs/validations/thresholds/fraud_model/")
        assert b["report"] == f"{BASE}/report.html"
    # not_evaluated_nights: 1, so the rule that could not run alerts on the first night
    (stale,) = [n for n in payload["not_evaluated"] if n["metric"] == "auc_roc"]
    assert stale["nights"] == 1 and "sample size below 1000000000" in stale["reason"]


def test_slack_and_email_say_the_same(failing_night):
    (slack,) = _posts(failing_night, "/slack")
    text = slack["text"]
    assert text.startswith("*ml-product-metrics: FAILED* (exit 1)")
    assert "error: threshold fraud_model precision version a segment __all__ >= 0.99" in text
    assert f"<{BASE}/report.html|report.html>" in text
    (recipients, mail) = failing_night.mails[0]
    assert len(failing_night.mails) == 1 and recipients == ["oncall@example.com"]
    assert mail["Subject"].startswith("[mpm] FAILED: ")
    assert mail["From"] == "mpm@example.com"
    body = mail.get_payload(decode=True).decode()
    assert "fraud_model precision version b segment __all__ >= 0.99" in body
    assert f"{BASE}/data_docs/validations/thresholds/fraud_model/" in body


def test_a_destination_that_is_down_is_reported_and_changes_nothing(failing_night):
    out = failing_night.out
    assert "FAILED (exit 1)" in out  # the breach decides, not the deliveries
    assert "alerts: alert down-hook (webhook, breach, not_evaluated) could not be " \
        "delivered: unreachable" in out  # fmt: skip
    assert "alert refusing-hook (webhook, breach, not_evaluated) could not be delivered: " \
        "HTTP 500" in out  # fmt: skip
    assert "alert unset-hook (webhook, breach, not_evaluated) could not be delivered: " \
        "environment variable MPM_TEST_UNSET is not set" in out  # fmt: skip
    assert "alert team-slack (slack, breach, not_evaluated) delivered" in out
    alert_results = [r for r in failing_night.run_results["results"] if r["check"] == "alert"]
    assert sorted(r["status"] for r in alert_results) == ["not_evaluated"] * 3 + ["passed"] * 3
    assert all(r["severity"] == "warn" for r in alert_results)
    report = (failing_night.reports / "report.html").read_text()
    assert "down-hook" in report and "MPM_TEST_UNSET is not set" in report
    state = json.loads((failing_night.reports / "alert_state.json").read_text())
    assert sum("|precision|" in key for key in state["breached"]) == 3


def _threshold(status: Status, version: str = "v3", **fields) -> CheckResult:
    common = dict(check="threshold", severity="error", model="spam_filter", metric="precision",
                  bound=">= 0.8")  # fmt: skip
    if status is Status.BREACHED:
        return CheckResult(status=status, message="precision 0.6 on 2026-10-21",
                           model_version=version, segment="__all__", metric_date="2026-10-21",
                           value=0.6, details={"rule_id": "r001"}, **common, **fields)  # fmt: skip
    if status is Status.PASSED:
        return CheckResult(status=status, message="1 row(s) within bounds",
                           details={"rule_id": "r001", "slices": [[version, "__all__", ""]]},
                           **common, **fields)  # fmt: skip
    return CheckResult(status=status, message="label coverage below 0.6",
                       details={"rule_id": "r001", "slices": [[version, "__all__", "",
                                                               "2026-10-28: immature"]]},
                       **common, **fields)  # fmt: skip


def _config(tmp_path, base, nights=2):
    path = tmp_path / "alerts.yml"
    path.write_text(
        f"settings: {{not_evaluated_nights: {nights}}}\n"
        "destinations:\n"
        "  - {name: hook, type: webhook, url_env: MPM_TEST_HOOK}\n"
        "  - {name: pager, type: webhook, url_env: MPM_TEST_PAGER, events: [breach]}\n"
    )
    return load_alerts(path)


def test_recovery_the_night_after_a_breach(tmp_path, monkeypatch):
    with http_server() as (base, posts):
        monkeypatch.setenv("MPM_TEST_HOOK", f"{base}/hook")
        monkeypatch.setenv("MPM_TEST_PAGER", f"{base}/pager")
        config = _config(tmp_path, base)
        reports = tmp_path / "reports"
        first = alerts.notify(RunOutcome([_threshold(Status.BREACHED)]), config, reports, "wh")
        assert [r.status for r in first] == [Status.PASSED, Status.PASSED]
        second = alerts.notify(RunOutcome([_threshold(Status.PASSED)]), config, reports, "wh")
        third = alerts.notify(RunOutcome([_threshold(Status.PASSED)]), config, reports, "wh")
    assert [p for p, _ in posts] == ["/hook", "/pager", "/hook"]  # the pager wants breaches only
    recovery = posts[2][1]
    assert recovery["breaches"] == [] and recovery["exit_code"] == 0
    assert recovery["recoveries"] == [
        {"check": "threshold", "rule_id": "r001", "model": "spam_filter", "model_version": "v3",
         "segment": "__all__", "metric": "precision", "feature": "", "bound": ">= 0.8"}
    ]  # fmt: skip
    assert len(second) == 1 and third == []  # a recovery is said once


def test_not_evaluated_alerts_after_n_nights_in_a_row(tmp_path, monkeypatch):
    with http_server() as (base, posts):
        monkeypatch.setenv("MPM_TEST_HOOK", f"{base}/hook")
        monkeypatch.setenv("MPM_TEST_PAGER", f"{base}/pager")
        config = _config(tmp_path, base, nights=2)
        reports = tmp_path / "reports"
        stale = RunOutcome([_threshold(Status.NOT_EVALUATED)])
        sent = [alerts.notify(stale, config, reports, "wh") for _ in range(3)]
        assert [len(s) for s in sent] == [0, 1, 0]  # on the second night only, to the hook
        # a night that could evaluate it ends the streak
        alerts.notify(RunOutcome([_threshold(Status.PASSED)]), config, reports, "wh")
        sent = [alerts.notify(stale, config, reports, "wh") for _ in range(2)]
        assert [len(s) for s in sent] == [0, 1]
    assert [p for p, _ in posts] == ["/hook", "/hook"]
    (entry,) = posts[0][1]["not_evaluated"]
    assert entry["nights"] == 2 and entry["model_version"] == "v3"
    assert entry["reason"] == "2026-10-28: immature"


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("{name: s, type: slack, url: 'https://hooks.slack.com/x'}", "unknown keys ['url']"),
        ("{name: s, type: slack}", "needs url_env"),
        ("{name: s, type: pager, url_env: X}", "type must be one of slack, webhook, email"),
        ("{name: m, type: email, host: h, to: [a@b]}", "needs host, from and to"),
        ("{name: s, type: slack, url_env: 'not a var'}", "must name an environment variable"),
        ("{name: s, type: slack, url_env: X, events: [brech]}", "unknown events ['brech']"),
    ],
)
def test_a_bad_destination_is_a_configuration_error(tmp_path, entry, reason):
    path = tmp_path / "alerts.yml"
    path.write_text(f"destinations:\n  - {entry}\n")
    with pytest.raises(ConfigError, match="alerts.yml") as error:
        load_alerts(path)
    assert reason in str(error.value)


def test_the_shipped_file_declares_no_destination():
    assert load_alerts().destinations == ()
