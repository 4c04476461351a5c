"""One section of the report per model: what moved first (the business
metrics linked to the model and those that moved most), both layers side by
side as daily trends with the declared bounds, the threshold curve, the
link verdicts, and drift. Charts are built only for series with data.

It renders values and computes nothing that could disagree with the
checks: statuses and incidents come from the CheckResults, the link
verdicts from the link CheckResults (checks/links.py), the bounds from
thresholds.yml, the drift verdict from drift_verdict_daily, the numbers
from metrics_daily. How a business metric moved (last window against the
one before) is the links' own movement rule (stats/movement.py), shown for
ordering, never judged here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from python_checks.checks.links import CHECK as LINK_CHECK
from python_checks.declare.thresholds import Rule
from python_checks.report import charts
from python_checks.report.data import ReportInput
from python_checks.results import CheckResult, Status
from python_checks.stats.movement import as_series, movement

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
# The link verdicts of checks/links.py (CheckResult.details["verdict"]) as
# the flag strip shows them.
LINK_VERDICTS = {
    "consistent": "consistent",
    "diverged": "diverged",
    "regressed_together": "regressed together",
}
LINK_NOT_EVALUATED = "not evaluated"
# drift_verdict_daily's three 0/1 metrics: drawn as the verdict strip (from
# the mart's own verdict column), not as heat maps or trends of their own.
DRIFT_SIGNALS = {
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
    # The last backtest (backtest_alarms_daily): its per-rule summary
    # (backtest.RuleSummary), its nights, its strip.
    backtest: list = field(default_factory=list)
    backtest_nights: str = ""
    backtest_strip: Chart | None = None
    wide: bool = False  # only one of the two layers is published


class Specs:
    """The run's charts, each compiled once and referenced by id."""

    def __init__(self) -> None:
        self.charts: list[Chart] = []

    def add(self, spec: dict, caption: str = "") -> Chart:
        item = Chart(
            spec_id=f"spec-{len(self.charts)}", spec=charts.compile_spec(spec), caption=caption
        )
        self.charts.append(item)
        return item


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
    return rule.kind == "static" and rule.metric == metric and rule.applies_to(model)


def bound_rows(rules: list[Rule], model: str, metric: str) -> list[dict]:
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


ESTIMATED_PREFIX = "estimated_"
ESTIMATED_SUFFIX = " (estimated)"


def estimated_panels(metrics: set[str]) -> dict[str, str]:
    """estimated_<m> -> <m> for the estimates whose realized metric is
    charted too: they share its panel. An estimate without its realized
    metric keeps a panel of its own."""
    return {
        name: name[len(ESTIMATED_PREFIX) :]
        for name in metrics
        if name.startswith(ESTIMATED_PREFIX) and name[len(ESTIMATED_PREFIX) :] in metrics
    }


def series_label(version: str) -> str:
    return "all versions" if version == ALL else version


def metric_label(metric: str, feature: str, model: str = "", owner: str = "") -> str:
    """How a series is named in a chart: `metric[feature]`, and `model
    metric` for a linked series that another model (or the product) owns."""
    name = f"{metric}[{feature}]" if feature else metric
    return f"{owner} {name}" if owner and owner != model else name


def linked_business(inp: ReportInput, model: str) -> list[tuple[str, str]]:
    """(owner model, metric) of the business series the declared links tie
    to `model`, in the order links.yml declares them."""
    pairs = [
        (link.business.model, link.business.metric)
        for link in inp.declarations.links.links
        if link.model.model == model
    ]
    return list(dict.fromkeys(pairs))


def relative_move(values: pd.DataFrame, inp: ReportInput) -> tuple[float, bool]:
    """(|relative change|, beyond noise) of the last window against the one
    before, by the links' movement rule; (0, False) without enough days."""
    series = as_series(values)
    if series.empty:
        return 0.0, False
    moved = movement(series, series.index.max(), inp.declarations.links.movement)
    if moved is None or not moved.before:
        return 0.0, False
    return abs(moved.change / moved.before), moved.beyond_noise


def layer_trends(
    inp: ReportInput,
    model: str,
    layer: str,
    frame: pd.DataFrame,
    breaches: list[CheckResult],
    specs: Specs,
    columns: int = 2,
) -> Chart | None:
    """The layer's daily trends as small multiples, one panel per metric
    with data: breached metrics first, then bounded ones, then (business)
    the linked metrics and those that moved most."""
    rows = frame[(frame["segment"] == ALL) & frame["metric_value"].notna()]
    if rows.empty:
        return None
    rules = [r for r in inp.declarations.thresholds.rules if r.applies_to(model)]
    metric_breaches = [r for r in breaches if r.model == model and r.segment in (ALL, "")]
    versioned = {r.metric for r in rules if r.model_version != ALL} | {
        r.metric for r in metric_breaches if r.model_version not in (ALL, "")
    }
    rows = rows[(rows["model_version"] == ALL) | rows["metric_name"].isin(versioned)]
    owner = rows["model_name"].where(rows["model_name"] != model, "")
    # An estimate is drawn in the panel of the metric it estimates (dashed),
    # so the days before the labels arrive continue the realized line.
    panel = estimated_panels(set(rows["metric_name"]))
    labels = [
        metric_label(panel.get(m, m), f, model, o)
        for m, f, o in zip(rows["metric_name"], rows["feature_name"], owner, strict=True)
    ]
    estimated = rows["metric_name"].isin(panel)
    series = pd.DataFrame(
        {
            "m": labels,
            "d": rows["metric_date"].astype(str).str[:10],
            "s": [
                series_label(v) + (ESTIMATED_SUFFIX if e else "")
                for v, e in zip(rows["model_version"], estimated, strict=True)
            ],
            "y": rows["metric_value"],
            "e": estimated.map({True: "estimated", False: "realized"}).to_numpy(),
        }
    )
    names = set(series["m"])
    bounds = pd.DataFrame(
        [
            b
            for m in sorted(set(rows.loc[rows["model_name"] == model, "metric_name"]))
            for b in bound_rows(rules, model, m)
        ],
        columns=["m", "b", "sev", "label"],
    )
    bounds = bounds[bounds["m"].isin(names)]
    bounds["m"] = bounds["m"].map(lambda m: panel.get(m, m))
    bounds = bounds.drop_duplicates()
    hits = pd.DataFrame(
        [
            {
                "m": metric_label(panel.get(r.metric, r.metric), r.feature),
                "d": r.metric_date[:10],
                "s": series_label(r.model_version)
                + (ESTIMATED_SUFFIX if r.metric in panel else ""),
                "y": r.value,
            }
            for r in metric_breaches
            if metric_label(panel.get(r.metric, r.metric), r.feature) in names
            and (r.model_version == ALL or r.metric in versioned)
        ],
        columns=["m", "d", "s", "y"],
    )
    breached, bounded = set(hits["m"]), set(bounds["m"])
    linked = {
        metric_label(metric, "", model, owner) for owner, metric in linked_business(inp, model)
    }
    moves = {}
    if layer == "business":
        labelled = rows.assign(label=labels)
        rollup = labelled[labelled["model_version"] == ALL]
        moves = {name: relative_move(part, inp) for name, part in rollup.groupby("label")}

    def rank(name: str):
        change, beyond = moves.get(name, (0.0, False))
        return (
            name not in breached,
            name not in bounded,
            name not in linked,
            not beyond,
            -change,
            name,
        )

    order = sorted(names, key=rank)
    series["order"] = series["m"].map({m: i for i, m in enumerate(order)})
    series = series.sort_values(["order", "s", "d"]).drop(columns="order")
    alarms = backtest_marks(inp, model, series, panel)
    title = f"{model}: {LAYER_TITLES.get(layer, layer)}"
    return specs.add(charts.trend_grid(series, bounds, hits, title, columns, alarms), caption=title)


def _backtest_rows(inp: ReportInput, model: str) -> pd.DataFrame:
    table = inp.backtest
    if table.empty:
        return table
    rows = table[table["model_name"] == model].copy()
    rows["metric_date"] = rows["metric_date"].astype(str).str[:10]
    return rows


def backtest_marks(
    inp: ReportInput, model: str, series: pd.DataFrame, panel: dict[str, str]
) -> pd.DataFrame:
    """The last backtest's alarm nights of the model's rules, on the panel of
    the metric each rule bounds (a change or band rule's too), at the
    rollup's value that night (the rule's worst value where the rollup has
    none). A rule on a series without a panel (per feature, the drift
    verdict) is in the section's backtest strip only."""
    columns = ["m", "d", "y", "r", "b", "sev", "w"]
    rows = _backtest_rows(inp, model)
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows[rows["status"] == "alarm"]
    rollup = series[series["s"] == series_label(ALL)].set_index(["m", "d"])["y"]
    rollup = rollup[~rollup.index.duplicated()]
    names = set(series["m"])
    out = []
    for row in rows.itertuples(index=False):
        metric = str(row.metric_name).split(":")[0]
        label = metric_label(panel.get(metric, metric), "")
        if label not in names:
            continue
        value = rollup.get((label, row.metric_date), row.worst_value)
        out.append(
            {"m": label, "d": row.metric_date, "y": value, "r": row.rule_id,
             "b": row.bound, "sev": row.severity, "w": row.worst_value}
        )  # fmt: skip
    return pd.DataFrame(out, columns=columns)


def backtest_view(inp: ReportInput, model: str, section: ModelSection, specs: Specs) -> None:
    """The last backtest of the model: per rule its days evaluated, alarm
    days, first alarm and longest run (backtest.summarize, the numbers
    `mpm backtest` printed) and a strip of every rule's nights."""
    from python_checks import backtest

    rows = _backtest_rows(inp, model)
    if rows.empty:
        return
    section.backtest = backtest.summarize(rows)
    section.backtest_nights = f"{rows['metric_date'].min()} … {rows['metric_date'].max()}"
    severity = rows.groupby("rule_id")["severity"].first()
    labels = {
        s.rule_id: f"{s.rule_id} {s.metric} ({severity[s.rule_id]})" for s in section.backtest
    }
    cells = pd.DataFrame(
        {
            "l": rows["rule_id"].map(labels),
            "d": rows["metric_date"],
            "v": rows["status"],
            "w": rows["worst_value"].map(_fmt),
            "b": rows["bound"].astype(str),
        }
    ).sort_values(["l", "d"])
    title = f"{model}: backtest alarms per rule"
    section.backtest_strip = specs.add(charts.backtest_strip(cells, title), caption=title)


def verdict_cells(inp: ReportInput, model: str) -> pd.DataFrame:
    """The model's drift verdict per day as drift_verdict_daily decided it:
    d (day), v (verdict), f (the drifted feature on a data_drift day, else
    ''), n (on a `none` day, the signals the mart could not read)."""
    frame = inp.drift_verdicts
    if frame.empty:
        return pd.DataFrame(columns=["d", "v", "f", "n"])
    rows = frame[frame["model_name"] == model]
    out = []
    for row in rows.itertuples(index=False):
        verdict = row.drift_verdict
        unread = [v for m, v in DRIFT_SIGNALS.items() if pd.isna(getattr(row, m))]
        note = f"not readable: {', '.join(unread)}" if unread and verdict == "none" else ""
        drifted = row.drifted_feature if verdict == "data_drift" else ""
        out.append({"d": str(row.metric_date)[:10], "v": verdict, "f": drifted or "", "n": note})
    return pd.DataFrame(out, columns=["d", "v", "f", "n"]).sort_values("d")


def drift_maps(
    inp: ReportInput, model: str, frame: pd.DataFrame, breaches: list[CheckResult], specs: Specs
) -> list[Chart]:
    """A features × days heat map per drift metric published by feature, the
    day's drift verdict as a strip above the PSI map (above the first map
    when there is no PSI, alone when there is no map), and the per-model
    drift signals (no feature) as trends."""
    out = []
    rows = frame[(frame["model_version"] == ALL) & (frame["segment"] == ALL)]
    rows = rows[~rows["metric_name"].isin(DRIFT_SIGNALS)]
    verdicts = verdict_cells(inp, model)
    by_feature = {
        metric
        for metric, cells in rows.groupby("metric_name")
        if (cells["feature_name"] != "").any() and cells["metric_value"].notna().any()
    }
    maps = sorted(by_feature, key=lambda m: (m != VERDICT_MAP_METRIC, m))
    rules = list(inp.declarations.thresholds.rules)
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
        labels = "; ".join(b["label"] for b in bound_rows(rules, model, metric))
        if index == 0 and not verdicts.empty:
            title = f"{model}: drift verdict and {metric} (features × days)"
            spec = charts.drift_map(table, verdicts, title, labels)
        else:
            title = f"{model}: drift {metric} (features × days)"
            spec = charts.heat_map(table, title, labels)
        out.append(specs.add(spec, caption=title))
    if not maps and not verdicts.empty:
        title = f"{model}: drift verdict"
        out.append(specs.add(charts.drift_map(pd.DataFrame(), verdicts, title), caption=title))
    signals = rows[~rows["metric_name"].isin(by_feature)]
    if not signals.empty:
        chart = layer_trends(inp, model, "drift signals", signals, breaches, specs, columns=4)
        if chart:
            out.append(chart)
    return out


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "null"
    if isinstance(value, int | float):
        return f"{value:.4g}"
    return str(value)


def _movement_text(details: dict, layer: str) -> str:
    before, after = details.get(f"{layer}_before"), details.get(f"{layer}_after")
    if before is None or after is None:
        return "n/a"
    name = details.get(f"{layer}_metric", layer)
    relative = f", {(after - before) / abs(before):+.1%}" if before else ""
    noise = details.get(f"{layer}_noise")
    noise_text = f"; noise ±{noise:.3g}" if noise is not None else ""
    return f"{name}: {_fmt(before)} → {_fmt(after)}{relative}{noise_text}"


def link_cells(inp: ReportInput, window: list[str]) -> dict[str, pd.DataFrame]:
    """Per model, the flag strip's cells from the link CheckResults
    (checks/links.py): one row per link, one cell per day of the window:
    the day's verdict, or `not evaluated` where the link has no result that
    day (a missing series, too few days in a window)."""
    mine = [r for r in inp.results if r.check == LINK_CHECK]
    if not mine:
        return {}
    declared = {
        link.name: f"{link.model.label} → {link.business.label}"
        for link in inp.declarations.links.links
    }
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


def link_window(inp: ReportInput, frame: pd.DataFrame) -> list[str]:
    """The days the link checks judged (their evaluation window); the last
    evaluation_window_days of metrics_daily when none was judged."""
    days = sorted(
        {r.metric_date[:10] for r in inp.results if r.check == LINK_CHECK and r.metric_date}
    )
    if days:
        return days
    if frame.empty:
        return []
    return sorted(set(frame["metric_date"]))[-inp.declarations.window_days :]


def moved_with(inp: ReportInput, frame: pd.DataFrame, model: str, since: str) -> list[dict]:
    """Business metrics of the model, its linked series and the product's,
    before vs since the first breach day: mean of the days since against
    the same number of days before; the linked ones first, then those that
    moved most. Descriptive only; the cross-layer checks judge it."""
    linked = set(linked_business(inp, model))
    owners = {model, PRODUCT} | {owner for owner, _ in linked}
    rows = frame[
        (frame["layer"] == "business")
        & frame["model_name"].isin(owners)
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
                "metric": metric_label(metric, feature),
                "before": prior,
                "since": now,
                "change": change,
                "linked": (name, metric) in linked,
            }
        )
    out.sort(key=lambda r: (not r["linked"], -abs(r["change"] or 0)))
    return out[:6]


def threshold_curve(inp: ReportInput, model: str, section: ModelSection, specs: Specs) -> None:
    curve = inp.threshold_curve
    if curve.empty or model not in set(curve["model_name"]):
        return
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
    costs = inp.declarations.dbt_vars.costs()
    section.curve_note = (
        f"{day}, all versions: serving threshold "
        f"{_fmt(serving.iloc[0]) if len(serving) else 'unknown'}; "
        f"cost-optimal {_fmt(optimal['threshold'].iloc[0]) if len(optimal) else 'unknown'} "
        f"for a false positive costing {_fmt(costs.get('cost_false_positive') or '?')} and a "
        f"false negative {_fmt(costs.get('cost_false_negative') or '?')} "
        "(dbt vars cost_false_positive, cost_false_negative)."
    )


def charts_of(
    inp: ReportInput,
    model: str,
    frame: pd.DataFrame,
    breaches: list[CheckResult],
    section: ModelSection,
    specs: Specs,
) -> None:
    """Every chart of one model's section, for the layers it publishes; the
    business side also draws the series the links tie to the model."""
    mine = frame[frame["model_name"] == model] if not frame.empty else frame
    linked = set(linked_business(inp, model))
    extra = frame.iloc[0:0]
    if linked and not frame.empty:
        keys = zip(frame["model_name"], frame["metric_name"], strict=True)
        extra = frame[[key in linked and key[0] != model for key in keys]]
    if mine.empty and extra.empty:
        return
    layers = {layer: mine[mine["layer"] == layer] for layer in SIDE_BY_SIDE}
    layers["business"] = pd.concat([layers["business"], extra], ignore_index=True)
    section.wide = sum(not rows.empty for rows in layers.values()) < 2
    for layer, rows in layers.items():
        section.side[layer] = layer_trends(
            inp, model, layer, rows, breaches, specs, columns=4 if section.wide else 2
        )
    for layer in FULL_WIDTH:
        chart = layer_trends(inp, model, layer, mine[mine["layer"] == layer], breaches, specs, 4)
        if chart:
            section.full.append((LAYER_TITLES[layer], chart))
    for layer in sorted(set(mine["layer"]) - set(SIDE_BY_SIDE) - set(FULL_WIDTH) - {"drift"}):
        chart = layer_trends(inp, model, layer, mine[mine["layer"] == layer], breaches, specs)
        if chart:
            section.full.append((layer, chart))
    section.drift = drift_maps(inp, model, mine[mine["layer"] == "drift"], breaches, specs)
