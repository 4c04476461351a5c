"""Simpson's paradox: a metric whose overall change goes one way beyond its
noise while it goes the other way in every segment. It happens whenever the
traffic mix moves (a new version or a platform taking more traffic), and the
overall number then tells the opposite of the truth, so it is reported with
the segment table.

Checked for every (model, metric) of metrics_daily that has at least
`min_segments` segments at model_version __all__, on the latest day, with
the movement rules of links.yml (last window vs the one before)."""

from __future__ import annotations

import pandas as pd

from python_checks.checks.context import CheckContext
from python_checks.declare.links import MovementSettings
from python_checks.results import CheckResult, Status
from python_checks.stats.movement import Movement, as_series, movement

CHECK = "simpson"


def simpsons_paradox(ctx: CheckContext) -> list[CheckResult]:
    links = ctx.declarations.links
    severity = links.simpson_severity
    frame = ctx.metrics
    rows = frame[
        (frame["model_version"] == "__all__")
        & (frame["feature_name"].fillna("") == "")
        & frame["metric_value"].notna()
    ]
    ignore = set(links.simpson_ignore_segments)
    results, checked = [], 0
    for (model, metric), group in rows.groupby(["model_name", "metric_name"], sort=True):
        segments = {
            seg: as_series(part)
            for seg, part in group.groupby("segment")
            if seg != "__all__" and seg not in ignore
        }
        overall = as_series(group[group["segment"] == "__all__"])
        if len(segments) < links.simpson_min_segments or overall.empty:
            continue
        verdict = simpson_verdict(overall, segments, overall.index.max(), links.movement)
        if verdict is None:
            continue
        checked += 1
        if verdict["paradox"]:
            results.append(_breach(model, metric, verdict, severity))
    results.insert(
        0,
        CheckResult(
            check=CHECK,
            status=Status.PASSED if checked else Status.NOT_EVALUATED,
            severity=severity,
            message=f"{checked} segmented metric series checked for Simpson's paradox, "
            f"{len(results)} paradoxical",
        ),
    )
    return results


def simpson_verdict(
    overall: pd.Series, segments: dict[str, pd.Series], end, settings: MovementSettings
) -> dict | None:
    """The overall and per-segment movements on `end`, and whether they form
    a paradox (overall beyond noise one way, every segment the other way).
    None when the overall or any segment lacks the days to compare."""
    total = movement(overall, end, settings)
    if total is None:
        return None
    parts: dict[str, Movement] = {}
    for name, series in segments.items():
        m = movement(series, end, settings)
        if m is None:
            return None
        parts[name] = m
    paradox = total.direction != 0 and all(m.change * total.direction < 0 for m in parts.values())
    return {"overall": total, "segments": parts, "paradox": paradox}


def _breach(model: str, metric: str, verdict: dict, severity: str) -> CheckResult:
    total: Movement = verdict["overall"]
    table = "; ".join(
        f"{seg} {m.before:.4g} -> {m.after:.4g} ({m.change:+.3g})"
        for seg, m in sorted(verdict["segments"].items())
    )
    way = "rose" if total.direction > 0 else "fell"
    return CheckResult(
        check=CHECK,
        status=Status.BREACHED,
        severity=severity,
        message=(
            f"{model} {metric} {way} overall {total.before:.4g} -> {total.after:.4g} "
            f"(noise ±{total.noise:.3g}) but moved the other way in every segment: {table}; "
            "a traffic or version mix shift, read the segments"
        ),
        model=model,
        model_version="__all__",
        segment="__all__",
        metric=metric,
        metric_date=total.days[1],
        value=total.change,
        bound="overall and segments move the same way",
        details={
            "segments": {
                seg: {"before": m.before, "after": m.after, "change": m.change}
                for seg, m in verdict["segments"].items()
            }
        },
    )
