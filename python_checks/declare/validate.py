"""Reading a declaration file and holding its values to what they may be:
one set of rules for every YAML file the project declares, so a hostile
or malformed value fails as a configuration error (exit 2) naming the
file, the entry and the problem, before anything reaches SQL or a Great
Expectations condition.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Any

import yaml

from python_checks.errors import ConfigError

# Names that reach SQL parameters or GE conditions: model, version, segment,
# metric, feature.
PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
SEVERITIES = ("warn", "error")


class DeclarationFile:
    """One YAML declaration file; every error names it and the entry."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> dict[str, Any]:
        """The file's top-level mapping (empty when the file is empty)."""
        try:
            raw = yaml.safe_load(self.path.read_text())
        except FileNotFoundError as exc:
            raise self.error("file not found") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise self.error(f"not valid YAML{where} ({exc.__class__.__name__})") from exc
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise self.error("must be a mapping at the top level")
        return raw

    def error(self, reason: str) -> ConfigError:
        return ConfigError(str(self.path), reason)

    def name(self, value: Any, what: str, allow_star: bool = True) -> str:
        """A plain name (letters, digits, _ . : -), or `*` where allowed."""
        text = str(value)
        if text == "*" and allow_star:
            return text
        if not PLAIN_NAME.match(text):
            shown = text if len(text) <= 80 else f"{text[:80]}..."
            raise self.error(f"{what} {shown!r} is not a plain name (letters, digits, _ . : -)")
        return text

    def number(self, value: Any, what: str) -> float | None:
        """A finite number, or None when absent."""
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.error(f"{what} must be a number, got {value!r}")
        return float(value)

    def share(self, value: Any, what: str) -> float:
        """A number in [0, 1]."""
        number = self.number(value, what)
        if number is None or not 0 <= number <= 1:
            raise self.error(f"{what} must be a share between 0 and 1, got {value!r}")
        return number

    def positive(self, value: Any, what: str, kind: type = int) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.error(f"{what} must be a positive number, got {value!r}")
        return kind(value)

    def whole(self, value: Any, what: str, low: int = 0, high: int | None = None) -> int:
        """A whole number in [low, high]."""
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
        if ok and high is not None:
            ok = value <= high
        if not ok:
            limit = f"between {low} and {high}" if high is not None else f">= {low}"
            raise self.error(f"{what} must be a whole number {limit}, got {value!r}")
        return int(value)

    def severity(self, value: Any, what: str) -> str:
        if value not in SEVERITIES:
            raise self.error(f"{what}: severity must be warn or error, got {value!r}")
        return value

    def mapping(self, value: Any, what: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(f"{what} must be a mapping")
        return value

    def known_keys(self, entry: dict, allowed: set[str] | frozenset[str], what: str) -> None:
        unknown = sorted(set(map(str, entry)) - set(allowed))
        if unknown:
            hints = [
                f"{key!r} -> {close[0]!r}"
                for key in unknown
                if (close := difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.75))
            ]
            hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
            raise self.error(f"{what} has unknown keys {unknown}{hint}")
