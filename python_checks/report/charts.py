"""The report's charts as Vega-Lite specs (plain dicts), compiled to Vega by
vl-convert so the page needs only the Vega runtime. Each function takes a
small, already-aggregated frame from metrics_daily and returns a Vega-Lite
spec with its data inline.

The charts read whatever metrics exist: a trend grid per (model, layer), a
heat map per drift metric with the day's drift verdict above it, the link
verdicts (from the link CheckResults) as a flag strip, and the threshold
curve. Data values are rounded to 6 significant digits, which is more than
a chart can show and keeps the file small.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import vl_convert

VEGA_LITE_VERSION = "6.4"
SCHEMA = f"https://vega.github.io/schema/vega-lite/v{VEGA_LITE_VERSION}.json"
ERROR_COLOR = "#c0392b"
WARN_COLOR = "#e67e22"
ROLLUP = "all versions"
SERIES_COLORS = (
    "#1f3a5f",
    "#4e9ad6",
    "#16a085",
    "#9b59b6",
    "#b8860b",
    "#7f8c8d",
    "#2ecc71",
    "#34495e",
    "#5dade2",
    "#a569bd",
    "#45b39d",
    "#d4ac0d",
)
PANEL_WIDTH = 230
PANEL_HEIGHT = 110
# Verdict colours: red/purple where the layers part, grey where nothing could be read.
LINK_VERDICTS = ("consistent", "diverged", "regressed together", "not evaluated")
LINK_COLORS = ("#a9dfbf", ERROR_COLOR, "#6c3483", "#d0d3d4")
DRIFT_VERDICTS = ("none", "data_drift", "concept_drift", "label_drift", "not_evaluated")
DRIFT_COLORS = ("#a9dfbf", "#d35400", "#8e44ad", "#2980b9", "#d0d3d4")
DAY_STEP = 14
# The last backtest's nights per rule (backtest.py's statuses).
BACKTEST_STATUSES = ("alarm", "ok", "not_evaluated")
BACKTEST_COLORS = ("#6c3483", "#a9dfbf", "#d0d3d4")
BACKTEST_COLOR = "#6c3483"  # its alarm marks on the trends: never red (red is this night's)
BACKTEST_SHAPES = ("triangle-down", "square", "cross", "triangle-up", "circle", "diamond")

Spec = dict[str, Any]


def _round(value) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if pd.isna(value):
        return None
    value = float(value)
    return value if value == 0 else float(f"{value:.6g}")


def compile_spec(spec: Spec) -> dict:
    """Vega-Lite → Vega, in Python; the page then needs only the Vega runtime."""
    return vl_convert.vegalite_to_vega({"$schema": SCHEMA, **spec}, vl_version=VEGA_LITE_VERSION)


def warm_up() -> None:
    """Start vl-convert's JavaScript runtime (about half a second, once per
    process), so the report's first chart does not pay for it."""
    compile_spec({"mark": "point", "data": {"values": []}})


def _enc(field: str, kind: str, title: str | None = ..., **extra) -> dict:
    """One encoding channel: field, type and, where given, title and more."""
    channel = {"field": field, "type": kind, **extra}
    if title is not ...:
        channel["title"] = title
    return channel


def _tip(field: str, kind: str, title: str, **extra) -> dict:
    return _enc(field, kind, title, **extra)


def trend_grid(
    series: pd.DataFrame,
    bounds: pd.DataFrame,
    breaches: pd.DataFrame,
    title: str,
    columns: int = 2,
    alarms: pd.DataFrame | None = None,
) -> Spec:
    """Small multiples, one panel per metric: the daily value per series
    (`__all__` rollup, or each version where a rule bounds versions), the
    declared bounds as dashed rules (red: error, orange: warn), the
    breached days as red points and, after a backtest, the nights its rules
    alarmed as purple marks, one shape per rule.

    series:   m (metric), d (day, ISO), s (series label), y (value), and
              optionally e ('estimated' or 'realized': an estimate without
              labels is dashed beside the realized line of its panel)
    bounds:   m, b (bound value), sev (error|warn), label (e.g. '>= 0.8')
    breaches: m, d, s, y
    alarms:   m, d, y (the rollup's value that day), r (rule id), b (bound),
              sev, w (the rule's worst value that night)
    """
    alarms = alarms if alarms is not None else pd.DataFrame(columns=["m", "d", "y", "r"])
    estimates = "e" in series and (series["e"] == "estimated").any()
    rows = [
        {"k": "v", "m": r.m, "d": r.d, "s": r.s, "y": _round(r.y), "e": getattr(r, "e", "realized")}
        for r in series.itertuples(index=False)
    ]
    rows += [
        {"k": "b", "m": r.m, "b": _round(r.b), "sev": r.sev, "label": r.label}
        for r in bounds.itertuples(index=False)
    ]
    rows += [
        {"k": "x", "m": r.m, "d": r.d, "s": r.s, "y": _round(r.y)}
        for r in breaches.itertuples(index=False)
    ]
    rows += [
        {"k": "a", "m": r.m, "d": r.d, "y": _round(r.y), "r": r.r, "b": r.b, "sev": r.sev,
         "w": _round(r.w)}
        for r in alarms.itertuples(index=False)
    ]  # fmt: skip
    order = list(dict.fromkeys(series["m"]))
    labels = sorted(set(series["s"]))
    series_domain = [s for s in labels if s == ROLLUP] + [s for s in labels if s != ROLLUP]
    series_domain += [f"series {i}" for i in range(max(0, len(series_domain) - len(SERIES_COLORS)))]
    x = _enc("d", "temporal", None, axis={"format": "%b %d", "labelAngle": 0, "tickCount": 4})
    y = _enc("y", "quantitative", None, scale={"zero": False})
    day_tip = _tip("d", "temporal", "day", format="%Y-%m-%d")
    value_tip = _tip("y", "quantitative", "value", format=".4g")
    layers: list[Spec] = [
        {
            "transform": [{"filter": "datum.k === 'v'"}],
            "mark": {"type": "line", "point": {"size": 12}, "strokeWidth": 1.5},
            "encoding": {
                "x": x,
                "y": y,
                # The rollup dark, versions in colours that are never red
                # (red is kept for bounds and breaches).
                "color": _enc(
                    "s",
                    "nominal",
                    "series",
                    legend={"orient": "top"},
                    scale={
                        "domain": series_domain,
                        "range": list(SERIES_COLORS[: len(series_domain)]),
                    },
                ),
                "tooltip": [
                    _tip("m", "nominal", "metric"),
                    _tip("s", "nominal", "series"),
                    day_tip,
                    value_tip,
                ],
            },
        }
    ]
    if estimates:
        layers[0]["encoding"]["strokeDash"] = _enc(
            "e",
            "nominal",
            None,
            legend=None,
            scale={"domain": ["realized", "estimated"], "range": [[1, 0], [4, 3]]},
        )
    for severity, color in (("error", ERROR_COLOR), ("warn", WARN_COLOR)):
        layers.append(
            {
                "transform": [{"filter": f"datum.k === 'b' && datum.sev === '{severity}'"}],
                "mark": {"type": "rule", "color": color, "strokeDash": [5, 3], "strokeWidth": 1.5},
                "encoding": {
                    "y": _enc("b", "quantitative"),
                    "tooltip": [_tip("label", "nominal", f"declared bound ({severity})")],
                },
            }
        )
    layers.append(
        {
            "transform": [{"filter": "datum.k === 'x'"}],
            "mark": {
                "type": "point",
                "color": ERROR_COLOR,
                "filled": True,
                "size": 40,
                "shape": "diamond",
            },
            "encoding": {
                "x": x,
                "y": y,
                "tooltip": [
                    _tip("m", "nominal", "breached"),
                    _tip("s", "nominal", "series"),
                    day_tip,
                    value_tip,
                ],
            },
        }
    )
    if not alarms.empty:
        rules = sorted(set(alarms["r"]))
        layers.append(
            {
                "transform": [{"filter": "datum.k === 'a'"}],
                "mark": {"type": "point", "color": BACKTEST_COLOR, "size": 70, "strokeWidth": 1.5},
                "encoding": {
                    "x": x,
                    "y": y,
                    "shape": _enc(
                        "r",
                        "nominal",
                        "backtest alarm (rule)",
                        legend={"orient": "top"},
                        scale={
                            "domain": rules,
                            "range": [
                                BACKTEST_SHAPES[i % len(BACKTEST_SHAPES)] for i in range(len(rules))
                            ],
                        },
                    ),
                    "tooltip": [
                        _tip("r", "nominal", "backtest alarm of rule"),
                        _tip("m", "nominal", "metric"),
                        day_tip,
                        value_tip,
                        _tip("b", "nominal", "bound"),
                        _tip("sev", "nominal", "severity"),
                        _tip("w", "quantitative", "rule's worst value", format=".4g"),
                    ],
                },
            }
        )
    return {
        "title": title,
        "data": {"values": rows},
        "facet": _enc("m", "nominal", None, sort=order, header={"labelFontWeight": "bold"}),
        "columns": columns,
        "spec": {"layer": layers, "width": PANEL_WIDTH, "height": PANEL_HEIGHT},
        "resolve": {"scale": {"x": "independent", "y": "independent"}},
    }


def _heat_layer(cells: pd.DataFrame) -> Spec:
    rows = [
        {"f": r.f, "d": r.d, "y": _round(r.y), "x": int(r.x)} for r in cells.itertuples(index=False)
    ]
    position = {
        "x": _enc("d", "ordinal", None, axis={"labelAngle": -60}),
        "y": _enc("f", "nominal", None),
    }
    return {
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "rect"},
                "encoding": {
                    **position,
                    "color": _enc("y", "quantitative", None, scale={"scheme": "orangered"}),
                    "tooltip": [
                        _tip("f", "nominal", "feature"),
                        _tip("d", "nominal", "day"),
                        _tip("y", "quantitative", "value", format=".4g"),
                    ],
                },
            },
            {
                "transform": [{"filter": "datum.x === 1"}],
                "mark": {"type": "rect", "fill": None, "stroke": ERROR_COLOR, "strokeWidth": 2},
                "encoding": position,
            },
        ],
        "width": {"step": DAY_STEP},
        "height": {"step": 16},
    }


def _heat_title(title: str, bound_label: str) -> dict:
    subtitle = [f"declared bound {bound_label}; breached cells outlined"] if bound_label else []
    return {"text": title, "subtitle": subtitle}


def heat_map(cells: pd.DataFrame, title: str, bound_label: str = "") -> Spec:
    """Features × days for one drift metric; breached cells outlined.

    cells: f (feature), d (day, ISO), y (value), x (1 when breached)
    """
    return {**_heat_layer(cells), "title": _heat_title(title, bound_label)}


def _day_cells(
    rows: list[dict],
    row_axis: dict,
    verdict_title: str,
    verdicts: tuple[str, ...],
    colors: tuple[str, ...],
    tooltip: list[dict],
    x_axis: dict,
    height: int,
) -> Spec:
    """One coloured cell per (row, day): a verdict strip or a flag grid."""
    return {
        "data": {"values": rows},
        "mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 1},
        "encoding": {
            "x": _enc("d", "ordinal", None, axis=x_axis),
            "y": row_axis,
            "color": _enc(
                "v",
                "nominal",
                verdict_title,
                legend={"orient": "top"},
                scale={"domain": list(verdicts), "range": list(colors)},
            ),
            "tooltip": tooltip,
        },
        "width": {"step": DAY_STEP},
        "height": {"step": height},
    }


def link_flags(cells: pd.DataFrame, title: str) -> Spec:
    """The link checks of one model: one row per link, one cell per day of
    the evaluation window, coloured by the day's verdict; the tooltip has
    how each layer moved (mean of the later window vs the earlier one).

    cells: l (link label), d (day, ISO), v (one of LINK_VERDICTS),
           mm (model layer movement), bm (business layer movement), r (note)
    """
    rows = [
        {"l": r.l, "d": r.d, "v": r.v, "mm": r.mm, "bm": r.bm, "r": r.r}
        for r in cells.itertuples(index=False)
    ]
    links = _enc(
        "l", "nominal", None, sort=list(dict.fromkeys(cells["l"])), axis={"labelLimit": 480}
    )
    tooltip = [
        _tip("l", "nominal", "link"),
        _tip("d", "nominal", "day"),
        _tip("v", "nominal", "verdict"),
        _tip("mm", "nominal", "model layer"),
        _tip("bm", "nominal", "business layer"),
        _tip("r", "nominal", "note"),
    ]
    grid = _day_cells(
        rows, links, "verdict", LINK_VERDICTS, LINK_COLORS, tooltip, {"labelAngle": -60}, 18
    )
    return {"title": title, **grid}


def backtest_strip(cells: pd.DataFrame, title: str) -> Spec:
    """The last backtest of one model: one row per rule, one cell per night,
    alarm / ok / not_evaluated as backtest_alarms_daily has it. Every rule
    gets a row, also those without a trend panel (per-feature drift, the
    drift verdict).

    cells: l (rule label), d (night, ISO), v (one of BACKTEST_STATUSES),
           w (worst value, text), b (bound)
    """
    rows = [
        {"l": r.l, "d": r.d, "v": r.v, "w": r.w, "b": r.b} for r in cells.itertuples(index=False)
    ]
    rules = _enc(
        "l", "nominal", None, sort=list(dict.fromkeys(cells["l"])), axis={"labelLimit": 480}
    )
    tooltip = [
        _tip("l", "nominal", "rule"),
        _tip("d", "nominal", "night"),
        _tip("v", "nominal", "backtest"),
        _tip("w", "nominal", "worst value"),
        _tip("b", "nominal", "bound"),
    ]
    grid = _day_cells(
        rows, rules, "backtest", BACKTEST_STATUSES, BACKTEST_COLORS, tooltip,
        {"labelAngle": -60, "labelOverlap": True}, 14,
    )  # fmt: skip
    # A long history (init's reference plus months) narrows the cells
    # instead of drawing a page-wide strip.
    nights = cells["d"].nunique()
    grid["width"] = {"step": max(3, min(DAY_STEP, 1200 // max(nights, 1)))}
    return {"title": title, **grid}


def _verdict_strip(verdicts: pd.DataFrame) -> Spec:
    rows = [
        {"d": r.d, "v": r.v, "f": r.f, "n": r.n, "row": "drift verdict"}
        for r in verdicts.itertuples(index=False)
    ]
    tooltip = [
        _tip("d", "nominal", "day"),
        _tip("v", "nominal", "drift verdict"),
        _tip("f", "nominal", "drifted feature"),
        _tip("n", "nominal", "note"),
    ]
    hidden = {"labels": False, "ticks": False, "domain": False}
    row = _enc("row", "nominal", None)
    return _day_cells(rows, row, "drift verdict", DRIFT_VERDICTS, DRIFT_COLORS, tooltip, hidden, 16)


def drift_map(
    cells: pd.DataFrame, verdicts: pd.DataFrame, title: str, bound_label: str = ""
) -> Spec:
    """The drift verdict per day (data_drift, concept_drift, label_drift,
    none, not_evaluated) as a strip above the features × days heat map of
    one drift metric, on one shared day axis.

    cells:    as heat_map (may be empty: the strip alone)
    verdicts: d (day, ISO), v (one of DRIFT_VERDICTS), f (drifted feature or ''),
              n (note: signals that could not be read, or '')
    """
    strip = _verdict_strip(verdicts)
    if cells.empty:
        return {**strip, "title": title}
    return {
        "title": _heat_title(title, bound_label),
        "vconcat": [strip, _heat_layer(cells)],
        "spacing": 4,
        "resolve": {"scale": {"x": "shared", "color": "independent"}},
    }


def threshold_curve(curve: pd.DataFrame, title: str) -> Spec:
    """Precision, recall and F1 over the threshold grid, one panel per
    version (the rollup first), with the serving and the cost-optimal
    thresholds as vertical rules.

    curve: model_version (optional; `__all__` when absent), threshold,
           precision, recall, f1, is_cost_optimal, serving_threshold
    """
    if "model_version" not in curve:
        curve = curve.assign(model_version="__all__")
    rows = []
    panels = []
    for version, part in curve.groupby("model_version", sort=True):
        label = ROLLUP if version == "__all__" else str(version)
        panels.append(label)
        for r in part.itertuples(index=False):
            for metric in ("precision", "recall", "f1"):
                rows.append(
                    {
                        "k": "c",
                        "v": label,
                        "t": _round(r.threshold),
                        "m": metric,
                        "y": _round(getattr(r, metric)),
                    }
                )
        optimal = part[part["is_cost_optimal"].fillna(False).astype(bool)]["threshold"]
        serving = part["serving_threshold"].dropna()
        if len(serving):
            rows.append(
                {"k": "r", "v": label, "t": _round(serving.iloc[0]), "which": "serving threshold"}
            )
        if len(optimal):
            rows.append(
                {
                    "k": "r",
                    "v": label,
                    "t": _round(optimal.iloc[0]),
                    "which": "cost-optimal threshold",
                }
            )
    panels = [p for p in panels if p == ROLLUP] + [p for p in panels if p != ROLLUP]
    x = _enc("t", "quantitative", "decision threshold", scale={"domain": [0, 1]})
    curves = {
        "transform": [{"filter": "datum.k === 'c'"}],
        "mark": {"type": "line", "point": {"size": 10}},
        "encoding": {
            "x": x,
            "y": _enc("y", "quantitative", None, scale={"domain": [0, 1]}),
            "color": _enc(
                "m",
                "nominal",
                None,
                legend={"orient": "top"},
                scale={
                    "domain": ["precision", "recall", "f1"],
                    "range": ["#1f3a5f", "#16a085", "#b8860b"],
                },
            ),
            "tooltip": [
                _tip("v", "nominal", "series"),
                _tip("m", "nominal", "metric"),
                _tip("t", "quantitative", "threshold"),
                _tip("y", "quantitative", "value", format=".4g"),
            ],
        },
    }
    rules = {
        "transform": [{"filter": "datum.k === 'r'"}],
        "mark": {"type": "rule", "strokeWidth": 2, "color": ERROR_COLOR},
        "encoding": {
            "x": x,
            "strokeDash": _enc(
                "which",
                "nominal",
                None,
                scale={
                    "domain": ["serving threshold", "cost-optimal threshold"],
                    "range": [[1, 0], [6, 4]],
                },
                legend={"orient": "top"},
            ),
            "tooltip": [_tip("which", "nominal", " "), _tip("t", "quantitative", "threshold")],
        },
    }
    return {
        "title": title,
        "data": {"values": rows},
        "facet": _enc("v", "nominal", None, sort=panels, header={"labelFontWeight": "bold"}),
        "columns": 4,
        "spec": {"layer": [curves, rules], "width": 240, "height": 180},
    }
