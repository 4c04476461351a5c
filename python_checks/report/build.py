"""Build the run's HTML report from a ReportInput: an overview per model
(status, what broke and since when), both layers side by side as daily
trends with the declared bounds, the threshold curve, drift heat maps with
the day's drift verdict, the divergence flags of the links, and every
failing check with its numbers and links.

It renders values and computes nothing that could disagree with the checks:
statuses and incidents come from the CheckResults (summary.incidents), the
link verdicts from the link CheckResults (checks/links.py), the bounds from
thresholds.yml, the numbers and the drift verdict (its three published 0/1
metrics) from metrics_daily. Every string from
the data goes through Jinja's autoescaping (HTML) or a JSON encoding that
cannot close a <script> element (chart specs)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import jinja2
import pandas as pd
from markupsafe import Markup

from python_checks.checks.links import CHECK as LINK_CHECK
from python_checks.config import Rule
from python_checks.errors import ConfigError
from python_checks.links_config import load_links
from python_checks.report import charts
from python_checks.report.data import ReportInput
from python_checks.report.template import TEMPLATE
from python_checks.report.vega_js import vega_bundle, vega_version
from python_checks.results import CheckResult, Status
from python_checks.summary import incidents

ALL = "__all__"
PRODUCT = "__product__"
# Left and right column of a model's section: the two layers side by side.
SIDE_BY_SIDE = ("model_quality", "business")
FULL_WIDTH = ("feedback_loop", "data_quality")
LAYER_TITLES = {
    "model_quality": "Model quality",
    "business": "Business outcomes",
    "feedback_loop": "Feedback loop",
    "data_quality": "Data quality",
    "drift": "Drift",
}
STATUS_ORDER = ("error", "warn", "not evaluated", "ok")


# The link verdicts of checks/links.py (CheckResult.details["verdict"]) as
# the flag strip shows them.
LINK_VERDICTS = {
    "consistent": "consistent",
    "diverged": "diverged",
    "regressed_together": "regressed together",
}
LINK_NOT_EVALUATED = "not evaluated"
# drift_verdict_daily publishes its verdict as three 0/1 metrics; in the
# order of the mart's drift_verdict macro (the first that is 1 wins; all
# three null or absent: not_evaluated; otherwise none).
DRIFT_VERDICT_METRICS = {
    "data_drift_detected": "data_drift",
    "concept_drift_detected": "concept_drift",
    "label_drift_detected": "label_drift",
}
VERDICT_MAP_METRIC = "psi"  # the heat map the verdict strip sits on


@dataclass
class Chart:
    spec_id: str
    spec: dict
    caption: str = ""


@dataclass
class ModelSection:
    model: str
    anchor: str
    status: str
    headline: list[str] = field(default_factory=list)
    incidents: list[dict] = field(default_factory=list)
    not_evaluated: int = 0
    moved: list[dict] = field(default_factory=list)
    moved_since: str = ""
    side: dict[str, Chart | None] = field(default_factory=dict)  # layer -> chart
    full: list[tuple[str, Chart]] = field(default_factory=list)  # (title, chart)
    drift: list[Chart] = field(default_factory=list)
    flags: Chart | None = None
    curve: Chart | None = None
    curve_note: str = ""
    wide: bool = False  # only one of the two layers is published


def model_status(model: str, results: list[CheckResult]) -> str:
    """error / warn on a breach of that severity; `not evaluated` when no
    check of the model could run (e.g. immature labels); ok otherwise."""
    mine = [r for r in results if r.model == model]
    breached = [r for r in mine if r.status is Status.BREACHED]
    if any(r.severity == "error" for r in breached):
        return "error"
    if breached:
        return "warn"
    if not any(r.status is Status.PASSED for r in mine):
        return "not evaluated"
    return "ok"


def _rule_applies(rule: Rule, model: str, metric: str) -> bool:
    return rule.kind == "static" and rule.metric == metric and rule.model in ("*", model)


def _bound_rows(rules: list[Rule], model: str, metric: str) -> list[dict]:
    rows = []
    seen = set()
    for rule in rules:
        if not _rule_applies(rule, model, metric):
            continue
        for value, side in ((rule.min, ">="), (rule.max, "<=")):
            if value is None or (value, rule.severity) in seen:
                continue
            seen.add((value, rule.severity))
            scope = "" if rule.segment == ALL else f" (segment {rule.segment})"
            rows.append(
                {
                    "m": metric,
                    "b": value,
                    "sev": rule.severity,
                    "label": f"{side} {value:g} ({rule.severity}){scope}",
                }
            )
    return rows


def _series_label(version: str) -> str:
    return "all versions" if version == ALL else version


def _metric_label(metric: str, feature: str) -> str:
    return f"{metric}[{feature}]" if feature else metric


class _Specs:
    def __init__(self) -> None:
        self.charts: list[Chart] = []

    def add(self, chart, caption: str = "") -> Chart:
        item = Chart(
            spec_id=f"spec-{len(self.charts)}", spec=charts.compile_spec(chart), caption=caption
        )
        self.charts.append(item)
        return item


def _layer_trends(
    inp: ReportInput,
    model: str,
    layer: str,
    frame: pd.DataFrame,
    breaches: list[CheckResult],
    specs: _Specs,
    columns: int = 2,
) -> Chart | None:
    rows = frame[frame["segment"] == ALL]
    if rows.empty:
        return None
    rules = [r for r in inp.thresholds.rules if r.model in ("*", model)]
    metric_breaches = [r for r in breaches if r.model == model and r.segment in (ALL, "")]
    versioned = {r.metric for r in rules if r.model_version != ALL} | {
        r.metric for r in metric_breaches if r.model_version not in (ALL, "")
    }
    keep = (rows["model_version"] == ALL) | rows["metric_name"].isin(versioned)
    rows = rows[keep]
    series = pd.DataFrame(
        {
            "m": [
                _metric_label(m, f)
                for m, f in zip(rows["metric_name"], rows["feature_name"], strict=True)
            ],
            "d": rows["metric_date"].astype(str).str[:10],
            "s": rows["model_version"].map(_series_label),
            "y": rows["metric_value"],
        }
    )
    names = set(series["m"])
    bounds = pd.DataFrame(
        [b for m in sorted(set(rows["metric_name"])) for b in _bound_rows(rules, model, m)],
        columns=["m", "b", "sev", "label"],
    )
    bounds = bounds[bounds["m"].isin(names)]
    hits = pd.DataFrame(
        [
            {
                "m": _metric_label(r.metric, r.feature),
                "d": r.metric_date[:10],
                "s": _series_label(r.model_version),
                "y": r.value,
            }
            for r in metric_breaches
            if _metric_label(r.metric, r.feature) in names
            and (r.model_version == ALL or r.metric in versioned)
        ],
        columns=["m", "d", "s", "y"],
    )
    breached = set(hits["m"])
    bounded = set(bounds["m"])
    order = sorted(names, key=lambda m: (m not in breached, m not in bounded, m))
    series["order"] = series["m"].map({m: i for i, m in enumerate(order)})
    series = series.sort_values(["order", "s", "d"]).drop(columns="order")
    title = f"{model}: {LAYER_TITLES.get(layer, layer)}"
    return specs.add(charts.trend_grid(series, bounds, hits, title, columns), caption=title)


def drift_verdicts(rows: pd.DataFrame) -> pd.DataFrame:
    """The drift verdict per day from the three published 0/1 metrics of
    drift_verdict_daily: d (day), v (verdict), f (the drifted feature on a
    data_drift day, else ''), n (on a `none` day, the signals that could not
    be read)."""
    part = rows[rows["metric_name"].isin(DRIFT_VERDICT_METRICS)]
    out = []
    for day, group in part.groupby("metric_date", sort=True):
        values = dict(zip(group["metric_name"], group["metric_value"], strict=True))
        verdict = next((v for m, v in DRIFT_VERDICT_METRICS.items() if values.get(m) == 1), None)
        if verdict is None:
            read = [m for m in DRIFT_VERDICT_METRICS if pd.notna(values.get(m))]
            verdict = "none" if read else "not_evaluated"
        feature = group.loc[group["metric_name"] == "data_drift_detected", "feature_name"]
        drifted = feature.iloc[0] if verdict == "data_drift" and len(feature) else ""
        # A `none` day may rest on signals the mart could not read (labels
        # not mature yet): said in the tooltip, the verdict stays the mart's.
        unread = [v for m, v in DRIFT_VERDICT_METRICS.items() if pd.isna(values.get(m))]
        note = f"not readable: {', '.join(unread)}" if unread and verdict == "none" else ""
        out.append({"d": str(day)[:10], "v": verdict, "f": drifted, "n": note})
    return pd.DataFrame(out, columns=["d", "v", "f", "n"])


def _drift_maps(
    inp: ReportInput, model: str, frame: pd.DataFrame, breaches: list[CheckResult], specs: _Specs
) -> list[Chart]:
    """A features × days heat map per drift metric published by feature, the
    day's drift verdict as a strip above the PSI map (above the first map
    when there is no PSI, alone when there is no map), and the per-model
    drift signals (no feature) as trends."""
    out = []
    rows = frame[(frame["model_version"] == ALL) & (frame["segment"] == ALL)]
    verdicts = drift_verdicts(rows)
    rows = rows[~rows["metric_name"].isin(DRIFT_VERDICT_METRICS)]
    by_feature = {
        metric
        for metric, cells in rows.groupby("metric_name")
        if (cells["feature_name"] != "").any()
    }
    maps = sorted(by_feature, key=lambda m: (m != VERDICT_MAP_METRIC, m))
    for index, metric in enumerate(maps):
        cells = rows[rows["metric_name"] == metric]
        hit = {
            (r.feature, r.metric_date[:10])
            for r in breaches
            if r.model == model and r.metric == metric and r.model_version in (ALL, "")
        }
        days = cells["metric_date"].astype(str).str[:10]
        table = pd.DataFrame(
            {
                "f": cells["feature_name"].replace("", "(none)"),
                "d": days,
                "y": cells["metric_value"],
                "x": [int((f, d) in hit) for f, d in zip(cells["feature_name"], days, strict=True)],
            }
        )
        labels = "; ".join(
            b["label"] for b in _bound_rows(list(inp.thresholds.rules), model, metric)
        )
        if index == 0 and not verdicts.empty:
            title = f"{model}: drift verdict and {metric} (features × days)"
            chart = charts.drift_map(table, verdicts, title, labels)
        else:
            title = f"{model}: drift {metric} (features × days)"
            chart = charts.heat_map(table, title, labels)
        out.append(specs.add(chart, caption=title))
    if not maps and not verdicts.empty:
        title = f"{model}: drift verdict"
        out.append(specs.add(charts.drift_map(pd.DataFrame(), verdicts, title), caption=title))
    signals = rows[~rows["metric_name"].isin(by_feature)]
    if not signals.empty:
        chart = _layer_trends(inp, model, "drift signals", signals, breaches, specs, columns=4)
        if chart:
            out.append(chart)
    return out


def _movement_text(details: dict, layer: str) -> str:
    before, after = details.get(f"{layer}_before"), details.get(f"{layer}_after")
    if before is None or after is None:
        return "n/a"
    name = details.get(f"{layer}_metric", layer)
    relative = f", {(after - before) / abs(before):+.1%}" if before else ""
    noise = details.get(f"{layer}_noise")
    noise_text = f"; noise ±{noise:.3g}" if noise is not None else ""
    return f"{name}: {_fmt(before)} → {_fmt(after)}{relative}{noise_text}"


def _declared_link_labels() -> dict[str, str]:
    """Link name → "<model metric> → <business metric>" from links.yml, for
    links whose every result is `not evaluated` (those carry no details)."""
    try:
        declared = load_links().links
    except (ConfigError, OSError):
        return {}
    return {link.name: f"{link.model.label} → {link.business.label}" for link in declared}


def link_cells(inp: ReportInput, window: list[str]) -> dict[str, pd.DataFrame]:
    """Per model, the flag strip's cells from the link CheckResults
    (checks/links.py): one row per link, one cell per day of the window:
    the day's verdict, or `not evaluated` where the link has no result that
    day (a missing series, too few days in a window)."""
    mine = [r for r in inp.results if r.check == LINK_CHECK]
    if not mine:
        return {}
    declared = _declared_link_labels()
    out = {}
    for model in dict.fromkeys(r.model for r in mine):
        rows = []
        links = [r for r in mine if r.model == model]
        for name in dict.fromkeys(r.metric for r in links):
            results = [r for r in links if r.metric == name]
            by_day = {r.metric_date[:10]: r for r in results if r.metric_date}
            label = next(
                (
                    f"{r.details['model_metric']} → {r.details['business_metric']}"
                    for r in results
                    if r.details.get("model_metric") and r.details.get("business_metric")
                ),
                declared.get(name, name),
            )
            skipped = next(
                (r.message for r in results if r.status is Status.NOT_EVALUATED),
                "no verdict this day: too few days with both series in a window",
            )
            for day in window:
                result = by_day.get(day)
                if result is None or result.status is Status.NOT_EVALUATED:
                    rows.append(
                        {
                            "l": label,
                            "d": day,
                            "v": LINK_NOT_EVALUATED,
                            "mm": "",
                            "bm": "",
                            "r": skipped,
                        }
                    )
                    continue
                details = result.details
                rho = details.get("rank_correlation")
                note = [f"{result.severity} breach" if result.status is Status.BREACHED else "ok"]
                note.append(
                    "rank correlation n/a" if rho is None else f"rank correlation {rho:+.2f}"
                )
                if details.get("model_source") not in (None, "", "metrics_daily"):
                    note.append(f"model series from {details['model_source']}")
                rows.append(
                    {
                        "l": label,
                        "d": day,
                        "v": LINK_VERDICTS.get(details.get("verdict"), LINK_NOT_EVALUATED),
                        "mm": _movement_text(details, "model"),
                        "bm": _movement_text(details, "business"),
                        "r": "; ".join(note),
                    }
                )
        out[model] = pd.DataFrame(rows, columns=["l", "d", "v", "mm", "bm", "r"])
    return out


def _link_window(inp: ReportInput, frame: pd.DataFrame) -> list[str]:
    """The days the link checks judged (their evaluation window); the last
    evaluation_window_days of metrics_daily when none was judged."""
    days = sorted(
        {r.metric_date[:10] for r in inp.results if r.check == LINK_CHECK and r.metric_date}
    )
    if days:
        return days
    if frame.empty:
        return []
    n_days = int(inp.thresholds.settings.get("evaluation_window_days", 14))
    return sorted(set(frame["metric_date"]))[-n_days:]


def _moved_with(frame: pd.DataFrame, model: str, since: str) -> list[dict]:
    """Business metrics of the model (and product-wide) before vs since the
    first breach day: mean of the days since against the same number of days
    before. Descriptive only; the cross-layer checks judge it."""
    rows = frame[
        (frame["layer"] == "business")
        & frame["model_name"].isin([model, PRODUCT])
        & (frame["model_version"] == ALL)
        & (frame["segment"] == ALL)
    ]
    if rows.empty or not since:
        return []
    days = rows["metric_date"].astype(str).str[:10]
    after = rows[days >= since]
    n_days = after["metric_date"].nunique()
    if n_days == 0:
        return []
    before_days = sorted(d for d in days.unique() if d < since)[-n_days:]
    before = rows[days.isin(before_days)]
    out = []
    for (name, metric, feature), group in after.groupby(
        ["model_name", "metric_name", "feature_name"]
    ):
        prior = before[
            (before["model_name"] == name)
            & (before["metric_name"] == metric)
            & (before["feature_name"] == feature)
        ]["metric_value"].mean()
        now = group["metric_value"].mean()
        if pd.isna(prior) or pd.isna(now):
            continue
        change = (now - prior) / abs(prior) if prior else None
        out.append(
            {
                "model": name,
                "metric": _metric_label(metric, feature),
                "before": prior,
                "since": now,
                "change": change,
            }
        )
    out.sort(key=lambda r: -abs(r["change"] or 0))
    return out[:6]


def _headline(incident: dict) -> str:
    scope = []
    if incident["model_version"] not in (ALL, ""):
        scope.append(f"version {incident['model_version']}")
    if incident["segment"] not in (ALL, ""):
        scope.append(f"segment {incident['segment']}")
    where = f" ({', '.join(scope)})" if scope else ""
    latest = _fmt(incident["latest"])
    return (
        f"{incident['metric']}{where} breaks {incident['bound']} since {incident['first_day']} "
        f"({incident['days']} day(s); latest {latest}, worst {_fmt(incident['worst'])})"
    )


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "null"
    if isinstance(value, int | float):
        return f"{value:.4g}"
    return str(value)


def _pct(value) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:+.1%}"


def _anchor(index: int) -> str:
    return f"model-{index}"


class _Links:
    def __init__(self, inp: ReportInput, report_dir: Path) -> None:
        self.inp = inp
        self.report_dir = report_dir

    def file(self, path: str) -> str:
        if not path:
            return ""
        target = os.path.relpath(path, self.report_dir)
        return quote(target.replace(os.sep, "/"))

    def dbt_model(self, metric: str) -> str:
        mart = self.inp.metric_marts.get(metric.split(":")[0].split("[")[0])
        index = self.file(self.inp.dbt_docs_index)
        if not (mart and index):
            return ""
        return f"{index}#!/model/model.{quote(self.inp.dbt_project)}.{quote(mart)}"


def build_html(inp: ReportInput, report_dir: Path) -> str:
    """The whole report as one HTML string (links relative to report_dir)."""
    frame = inp.metrics.copy()
    if not frame.empty:
        frame["metric_date"] = frame["metric_date"].astype(str).str[:10]
        frame["feature_name"] = frame["feature_name"].fillna("")
    results = inp.results
    breaches = [r for r in results if r.status is Status.BREACHED]
    sliced = [r for r in breaches if r.metric_date]
    folded = incidents(sliced)
    links = _Links(inp, report_dir)
    specs = _Specs()
    flag_cells = link_cells(inp, _link_window(inp, frame))

    models = sorted(set(frame["model_name"]) if not frame.empty else set())
    models += sorted({r.model for r in results if r.model and r.model != "*"} - set(models))
    sections = []
    for index, model in enumerate(models):
        mine = frame[frame["model_name"] == model] if not frame.empty else frame
        section = ModelSection(
            model=model, anchor=_anchor(index), status=model_status(model, results)
        )
        section.incidents = [i for i in folded if i["model"] == model]
        section.headline = [_headline(i) for i in section.incidents if i["severity"] == "error"][:3]
        if not section.headline:
            section.headline = [_headline(i) for i in section.incidents][:3]
        section.not_evaluated = sum(
            1 for r in results if r.model == model and r.status is Status.NOT_EVALUATED
        )
        errors = [i for i in section.incidents if i["severity"] == "error"] or section.incidents
        if errors and model != PRODUCT:
            section.moved_since = min(i["first_day"] for i in errors)
            section.moved = _moved_with(frame, model, section.moved_since)
        if not mine.empty:
            # Both layers side by side when both are published; a layer
            # alone gets the full width.
            present = [layer for layer in SIDE_BY_SIDE if (mine["layer"] == layer).any()]
            section.wide = len(present) < 2
            for layer in SIDE_BY_SIDE:
                section.side[layer] = _layer_trends(
                    inp,
                    model,
                    layer,
                    mine[mine["layer"] == layer],
                    sliced,
                    specs,
                    columns=4 if section.wide else 2,
                )
            for layer in FULL_WIDTH:
                chart = _layer_trends(
                    inp, model, layer, mine[mine["layer"] == layer], sliced, specs, columns=4
                )
                if chart:
                    section.full.append((LAYER_TITLES[layer], chart))
            for layer in sorted(
                set(mine["layer"]) - set(SIDE_BY_SIDE) - set(FULL_WIDTH) - {"drift"}
            ):
                chart = _layer_trends(
                    inp, model, layer, mine[mine["layer"] == layer], sliced, specs
                )
                if chart:
                    section.full.append((layer, chart))
            section.drift = _drift_maps(inp, model, mine[mine["layer"] == "drift"], sliced, specs)
        if model in flag_cells and not flag_cells[model].empty:
            section.flags = specs.add(
                charts.link_flags(flag_cells[model], f"{model}: divergence flags of the links"),
                caption="divergence flags of the links",
            )
        curve = inp.threshold_curve
        if not curve.empty and model in set(curve["model_name"]):
            rows = curve[curve["model_name"] == model]
            day = str(rows["metric_date"].iloc[0])[:10]
            section.curve = specs.add(
                charts.threshold_curve(rows, f"{model}: threshold curve on {day}"),
                caption="threshold curve",
            )
            if "model_version" in rows:
                rows = rows[rows["model_version"] == ALL]
            optimal = rows[rows["is_cost_optimal"].fillna(False).astype(bool)]
            serving = rows["serving_threshold"].dropna()
            costs = inp.costs
            section.curve_note = (
                f"{day}, all versions: serving threshold "
                f"{_fmt(serving.iloc[0]) if len(serving) else 'unknown'}; "
                f"cost-optimal {_fmt(optimal['threshold'].iloc[0]) if len(optimal) else 'unknown'} "
                f"for a false positive costing {_fmt(costs.get('cost_false_positive', '?'))} and a "
                f"false negative {_fmt(costs.get('cost_false_negative', '?'))} "
                "(dbt vars cost_false_positive, cost_false_negative)."
            )
        sections.append(section)

    failing = [
        dict(
            i,
            latest=_fmt(i["latest"]),
            worst=_fmt(i["worst"]),
            docs=links.file(i["docs_path"]),
            dbt=links.dbt_model(i["metric"]),
            since=i["first_day"] if i["days"] == 1 else f"{i['first_day']} … {i['last_day']}",
        )
        for i in folded
    ]
    other = [
        {
            "severity": r.severity,
            "check": r.check,
            "model": r.model,
            "metric": r.metric,
            "value": _fmt(r.value),
            "message": r.message,
            "docs": links.file(r.docs_path),
            "dbt": links.dbt_model(r.metric) if r.metric else "",
        }
        for r in breaches
        if not r.metric_date
    ]
    not_evaluated = [r for r in results if r.status is Status.NOT_EVALUATED]
    errors = [r for r in breaches if r.severity == "error"]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["fmt"] = _fmt
    env.filters["pct"] = _pct
    return env.from_string(TEMPLATE).render(
        inp=inp,
        sections=sorted(sections, key=lambda s: (STATUS_ORDER.index(s.status), s.model)),
        failing=failing,
        other=other,
        not_evaluated=not_evaluated,
        n_results=len(results),
        n_passed=sum(1 for r in results if r.status is Status.PASSED),
        n_breached=len(breaches),
        n_errors=len(errors),
        verdict="FAILED" if errors else "OK",
        side_layers=SIDE_BY_SIDE,
        layer_titles=LAYER_TITLES,
        data_docs=links.file(inp.data_docs_index),
        dbt_docs=links.file(inp.dbt_docs_index),
        run_results=links.file(inp.run_results),
        specs=[(c.spec_id, _script_json(c.spec)) for c in specs.charts],
        vega_js=Markup(vega_bundle()),
        vega_version=vega_version(),
    )


def _script_json(value) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&'
    survives literally, so a string from the data cannot end the element."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def write_report(inp: ReportInput, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    html = build_html(inp, path.parent)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
