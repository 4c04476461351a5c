"""Check results are values: every check returns them, and the terminal
summary, the exit code and the HTML report only render them."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Status(StrEnum):
    PASSED = "passed"
    BREACHED = "breached"
    NOT_EVALUATED = "not_evaluated"  # could not run (immature labels, missing data)
    # Nothing of its kind in this warehouse or config (a classifier check on
    # a warehouse of regression models, links when none is declared): said
    # once per check with why, never counted as passed nor as not evaluated,
    # since no data or fix would make it run. It does not change the exit code.
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one slice (or of a whole check when it has no slices)."""

    check: str  # e.g. "threshold", "reconciliation", "dbt_test"
    status: Status
    severity: str  # "error" or "warn"
    message: str
    model: str = ""
    model_version: str = ""
    segment: str = ""
    metric_date: str = ""
    metric: str = ""
    feature: str = ""
    value: float | None = None
    bound: str = ""
    sample_size: int | None = None
    docs_path: str = ""
    details: dict = field(default_factory=dict)

    @classmethod
    def not_evaluated(cls, check: str, severity: str, message: str, **fields) -> CheckResult:
        """A check (or one slice of it) that could not run: never a pass."""
        return cls(check=check, status=Status.NOT_EVALUATED, severity=severity, message=message,
                   **fields)  # fmt: skip

    @classmethod
    def not_applicable(cls, check: str, severity: str, message: str, **fields) -> CheckResult:
        """A check with nothing to check in this warehouse: one result, with why."""
        return cls(check=check, status=Status.NOT_APPLICABLE, severity=severity, message=message,
                   **fields)  # fmt: skip

    @property
    def is_error_breach(self) -> bool:
        return self.status is Status.BREACHED and self.severity == "error"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = str(self.status)
        if isinstance(self.value, float) and not math.isfinite(self.value):
            data["value"] = None
        return data


@dataclass
class RunOutcome:
    """Everything one `run` produced, in the order the steps ran."""

    results: list[CheckResult] = field(default_factory=list)
    data_docs_index: str = ""
    report_path: str = ""
    steps: list[tuple[str, float]] = field(default_factory=list)  # (step, seconds)

    @property
    def exit_code(self) -> int:
        # A pipeline step that could not run fails the night like a breach.
        failed = any(
            r.is_error_breach or (r.check == "pipeline" and r.status is Status.NOT_EVALUATED)
            for r in self.results
        )
        return 1 if failed else 0

    def extend(self, results: list[CheckResult]) -> None:
        self.results.extend(results)
