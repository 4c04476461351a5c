"""The alerts file (alerts.yml in the config folder, paths.config_dir):
where a night's alerts go and on what. The one place destinations are
declared. Secrets never live here:
a destination names the environment variable that holds its webhook URL or
SMTP password (`url_env: MPM_SLACK_WEBHOOK`), read when the alert is sent,
so the file can be committed and reviewed like the thresholds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_checks import paths
from python_checks.declare.validate import DeclarationFile

KINDS = ("slack", "webhook", "email")
EVENTS = ("breach", "recovery", "not_evaluated")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_SETTINGS_KEYS = {
    "severity",
    "on_recovery",
    "not_evaluated_nights",
    "report_url",
    "timeout_seconds",
    "state_file",
}
_KEYS = {
    "slack": {"name", "type", "url_env", "events"},
    "webhook": {"name", "type", "url_env", "events"},
    "email": {
        "name",
        "type",
        "events",
        "host",
        "port",
        "from",
        "to",
        "starttls",
        "username_env",
        "password_env",
    },
}


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str  # slack, webhook or email
    events: tuple[str, ...] = EVENTS
    url_env: str = ""  # slack and webhook: the variable holding the URL
    host: str = ""  # email
    port: int = 25
    sender: str = ""
    to: tuple[str, ...] = ()
    starttls: bool = False
    username_env: str = ""
    password_env: str = ""


@dataclass(frozen=True)
class AlertSettings:
    # The lowest severity of a breach that alerts: warn (every breach) or error.
    severity: str = "warn"
    # Alert when a slice that breached on the previous night holds again.
    on_recovery: bool = True
    # Alert when a rule x slice could not be evaluated this many nights in a
    # row (0: never); the count is kept in the state file.
    not_evaluated_nights: int = 3
    # Where reports/ is published (e.g. a CI artifact or static site URL);
    # the alerts link the report and the Data Docs pages under it. Empty:
    # the links are the files' paths on the machine that ran.
    report_url: str = ""
    timeout_seconds: float = 10.0
    # The previous night's state (breached slices, not-evaluated streaks);
    # relative paths are under the reports folder.
    state_file: str = "alert_state.json"


@dataclass(frozen=True)
class Alerts:
    settings: AlertSettings = field(default_factory=AlertSettings)
    destinations: tuple[Destination, ...] = ()
    path: Path | None = None


def _env(file: DeclarationFile, value: Any, what: str) -> str:
    text = str(value or "")
    if text and not _ENV_NAME.match(text):
        raise file.error(f"{what} must name an environment variable, got {text!r}")
    return text


def load_alerts(path: Path | None = None) -> Alerts:
    """The alerts file (default: the demo's, paths.ALERTS_FILE); a
    missing default file means no destinations."""
    if path is None and not paths.ALERTS_FILE.exists():
        return Alerts()
    path = path or paths.ALERTS_FILE
    file = DeclarationFile(path)
    raw = file.load()
    file.known_keys(raw, {"settings", "destinations"}, "the file")
    settings = file.mapping(raw.get("settings"), "settings")
    file.known_keys(settings, _SETTINGS_KEYS, "settings")
    defaults = AlertSettings()
    parsed = AlertSettings(
        severity=file.severity(settings.get("severity", defaults.severity), "settings"),
        on_recovery=bool(settings.get("on_recovery", defaults.on_recovery)),
        not_evaluated_nights=file.whole(
            settings.get("not_evaluated_nights", defaults.not_evaluated_nights),
            "settings.not_evaluated_nights",
        ),
        report_url=str(settings.get("report_url", "") or "").rstrip("/"),
        timeout_seconds=file.positive(
            settings.get("timeout_seconds", defaults.timeout_seconds),
            "settings.timeout_seconds",
            float,
        ),
        state_file=str(settings.get("state_file", defaults.state_file)),
    )
    destinations, names = [], set()
    entries = raw.get("destinations") or []
    if not isinstance(entries, list):
        raise file.error("destinations must be a list")
    for index, entry in enumerate(entries, start=1):
        entry = file.mapping(entry, f"destination {index}")
        kind = entry.get("type")
        if kind not in KINDS:
            raise file.error(f"destination {index}: type must be one of {', '.join(KINDS)}")
        name = file.name(entry.get("name", f"{kind}-{index}"), f"destination {index} name", False)
        if name in names:
            raise file.error(f"destination {name!r} is declared twice")
        names.add(name)
        where = f"destination {name}"
        file.known_keys(entry, _KEYS[kind], where)
        events = tuple(entry.get("events") or EVENTS)
        unknown = sorted(set(events) - set(EVENTS))
        if unknown:
            raise file.error(f"{where}: unknown events {unknown} (known: {', '.join(EVENTS)})")
        if kind == "email":
            to = entry.get("to") or []
            to = (to,) if isinstance(to, str) else tuple(map(str, to))
            if not entry.get("host") or not entry.get("from") or not to:
                raise file.error(f"{where}: an email destination needs host, from and to")
            destinations.append(
                Destination(
                    name=name,
                    kind=kind,
                    events=events,
                    host=str(entry["host"]),
                    port=file.whole(entry.get("port", 25), f"{where} port", 1, 65535),
                    sender=str(entry["from"]),
                    to=to,
                    starttls=bool(entry.get("starttls", False)),
                    username_env=_env(file, entry.get("username_env"), f"{where} username_env"),
                    password_env=_env(file, entry.get("password_env"), f"{where} password_env"),
                )
            )
        else:
            if not entry.get("url_env"):
                raise file.error(
                    f"{where}: needs url_env, the environment variable holding its URL "
                    "(a URL is a secret and never goes in this file)"
                )
            destinations.append(
                Destination(
                    name=name,
                    kind=kind,
                    events=events,
                    url_env=_env(file, entry["url_env"], f"{where} url_env"),
                )
            )
    return Alerts(settings=parsed, destinations=tuple(destinations), path=path)
