"""The report's charts, written with Altair (Vega-Lite) and compiled to Vega
by vl-convert. Each function takes small, already-aggregated frames from
metrics_daily and returns a Vega spec (a dict) with its data inline.

The charts read whatever metrics exist: a trend grid per (model, layer), a
heat map for layer `drift` with the day's drift verdict above it, the link
verdicts (from the link CheckResults) as a flag strip, and the threshold
curve. Data values are rounded to 6
significant digits, which is more than a chart can show and keeps the file
small.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import vl_convert

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


def _round(value) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if pd.isna(value):
        return None
    value = float(value)
    return value if value == 0 else float(f"{value:.6g}")


def compile_spec(chart: alt.TopLevelMixin) -> dict:
    """Vega-Lite → Vega, in Python; the page then needs only the Vega runtime."""
    spec = chart.to_dict(validate=False)
    version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    return vl_convert.vegalite_to_vega(spec, vl_version=version)


def trend_grid(
    series: pd.DataFrame,
    bounds: pd.DataFrame,
    breaches: pd.DataFrame,
    title: str,
    columns: int = 2,
) -> alt.FacetChart:
    """Small multiples, one panel per metric: the daily value per series
    (`__all__` rollup, or each version where a rule bounds versions), the
    declared bounds as dashed rules (red: error, orange: warn) and the
    breached days as red points.

    series:   m (metric), d (day, ISO), s (series label), y (value)
    bounds:   m, b (bound value), sev (error|warn), label (e.g. '>= 0.8')
    breaches: m, d, s, y
    """
    rows = [
        {"k": "v", "m": r.m, "d": r.d, "s": r.s, "y": _round(r.y)}
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
    order = list(dict.fromkeys(series["m"]))
    labels = sorted(set(series["s"]))
    series_domain = [s for s in labels if s == ROLLUP] + [s for s in labels if s != ROLLUP]
    series_domain += [f"series {i}" for i in range(max(0, len(series_domain) - len(SERIES_COLORS)))]
    data = alt.Data(values=rows)
    x = alt.X("d:T", title=None, axis=alt.Axis(format="%b %d", labelAngle=0, tickCount=4))
    y = alt.Y("y:Q", title=None, scale=alt.Scale(zero=False))
    lines = (
        alt.Chart()
        .transform_filter("datum.k === 'v'")
        .mark_line(point=alt.OverlayMarkDef(size=12), strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "s:N",
                title="series",
                legend=alt.Legend(orient="top"),
                # The rollup dark, versions in colours that are never red
                # (red is kept for bounds and breaches).
                scale=alt.Scale(domain=series_domain, range=SERIES_COLORS[: len(series_domain)]),
            ),
            tooltip=[
                alt.Tooltip("m:N", title="metric"),
                alt.Tooltip("s:N", title="series"),
                alt.Tooltip("d:T", title="day", format="%Y-%m-%d"),
                alt.Tooltip("y:Q", title="value", format=".4g"),
            ],
        )
    )
    layers = [lines]
    for severity, color in (("error", ERROR_COLOR), ("warn", WARN_COLOR)):
        layers.append(
            alt.Chart()
            .transform_filter(f"datum.k === 'b' && datum.sev === '{severity}'")
            .mark_rule(color=color, strokeDash=[5, 3], strokeWidth=1.5)
            .encode(
                y=alt.Y("b:Q"),
                tooltip=[
                    alt.Tooltip("label:N", title=f"declared bound ({severity})"),
                ],
            )
        )
    layers.append(
        alt.Chart()
        .transform_filter("datum.k === 'x'")
        .mark_point(color=ERROR_COLOR, filled=True, size=40, shape="diamond")
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("m:N", title="breached"),
                alt.Tooltip("s:N", title="series"),
                alt.Tooltip("d:T", title="day", format="%Y-%m-%d"),
                alt.Tooltip("y:Q", title="value", format=".4g"),
            ],
        )
    )
    return (
        alt.layer(*layers, data=data)
        .properties(width=PANEL_WIDTH, height=PANEL_HEIGHT)
        .facet(
            facet=alt.Facet(
                "m:N", title=None, sort=order, header=alt.Header(labelFontWeight="bold")
            ),
            columns=columns,
        )
        .resolve_scale(y="independent", x="independent")
        .properties(title=title)
    )


def _heat_layer(cells: pd.DataFrame) -> alt.LayerChart:
    rows = [
        {"f": r.f, "d": r.d, "y": _round(r.y), "x": int(r.x)} for r in cells.itertuples(index=False)
    ]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("d:O", title=None, axis=alt.Axis(labelAngle=-60)),
        y=alt.Y("f:N", title=None),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("y:Q", title=None, scale=alt.Scale(scheme="orangered")),
        tooltip=[
            alt.Tooltip("f:N", title="feature"),
            alt.Tooltip("d:N", title="day"),
            alt.Tooltip("y:Q", title="value", format=".4g"),
        ],
    )
    outline = base.transform_filter("datum.x === 1").mark_rect(
        fill=None, stroke=ERROR_COLOR, strokeWidth=2
    )
    return alt.layer(rect, outline).properties(width=alt.Step(DAY_STEP), height=alt.Step(16))


def _heat_subtitle(bound_label: str) -> list[str]:
    return [f"declared bound {bound_label}; breached cells outlined"] if bound_label else []


def heat_map(cells: pd.DataFrame, title: str, bound_label: str = "") -> alt.LayerChart:
    """Features × days for one drift metric; breached cells outlined.

    cells: f (feature), d (day, ISO), y (value), x (1 when breached)
    """
    return _heat_layer(cells).properties(
        title=alt.TitleParams(title, subtitle=_heat_subtitle(bound_label))
    )


def link_flags(cells: pd.DataFrame, title: str) -> alt.Chart:
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
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X("d:O", title=None, axis=alt.Axis(labelAngle=-60)),
            y=alt.Y(
                "l:N",
                title=None,
                sort=list(dict.fromkeys(cells["l"])),
                axis=alt.Axis(labelLimit=480),
            ),
            color=alt.Color(
                "v:N",
                title="verdict",
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=list(LINK_VERDICTS), range=list(LINK_COLORS)),
            ),
            tooltip=[
                alt.Tooltip("l:N", title="link"),
                alt.Tooltip("d:N", title="day"),
                alt.Tooltip("v:N", title="verdict"),
                alt.Tooltip("mm:N", title="model layer"),
                alt.Tooltip("bm:N", title="business layer"),
                alt.Tooltip("r:N", title="note"),
            ],
        )
        .properties(title=title, width=alt.Step(DAY_STEP), height=alt.Step(18))
    )


def _verdict_strip(verdicts: pd.DataFrame) -> alt.Chart:
    rows = [
        {"d": r.d, "v": r.v, "f": r.f, "n": r.n, "row": "drift verdict"}
        for r in verdicts.itertuples(index=False)
    ]
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X("d:O", title=None, axis=alt.Axis(labels=False, ticks=False, domain=False)),
            y=alt.Y("row:N", title=None),
            color=alt.Color(
                "v:N",
                title="drift verdict",
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=list(DRIFT_VERDICTS), range=list(DRIFT_COLORS)),
            ),
            tooltip=[
                alt.Tooltip("d:N", title="day"),
                alt.Tooltip("v:N", title="drift verdict"),
                alt.Tooltip("f:N", title="drifted feature"),
                alt.Tooltip("n:N", title="note"),
            ],
        )
        .properties(width=alt.Step(DAY_STEP), height=alt.Step(16))
    )


def drift_map(
    cells: pd.DataFrame, verdicts: pd.DataFrame, title: str, bound_label: str = ""
) -> alt.TopLevelMixin:
    """The drift verdict per day (data_drift, concept_drift, label_drift,
    none, not_evaluated) as a strip above the features × days heat map of
    one drift metric, on one shared day axis.

    cells:    as heat_map (may be empty: the strip alone)
    verdicts: d (day, ISO), v (one of DRIFT_VERDICTS), f (drifted feature or ''),
              n (note: signals that could not be read, or '')
    """
    strip = _verdict_strip(verdicts)
    if cells.empty:
        return strip.properties(title=title)
    return (
        alt.vconcat(strip, _heat_layer(cells), spacing=4)
        .resolve_scale(x="shared", color="independent")
        .properties(title=alt.TitleParams(title, subtitle=_heat_subtitle(bound_label)))
    )


def threshold_curve(curve: pd.DataFrame, title: str) -> alt.FacetChart:
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
    x = alt.X("t:Q", title="decision threshold", scale=alt.Scale(domain=[0, 1]))
    curves = (
        alt.Chart()
        .transform_filter("datum.k === 'c'")
        .mark_line(point=alt.OverlayMarkDef(size=10))
        .encode(
            x=x,
            y=alt.Y("y:Q", title=None, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "m:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(
                    domain=["precision", "recall", "f1"], range=["#1f3a5f", "#16a085", "#b8860b"]
                ),
            ),
            tooltip=[
                alt.Tooltip("v:N", title="series"),
                alt.Tooltip("m:N", title="metric"),
                alt.Tooltip("t:Q", title="threshold"),
                alt.Tooltip("y:Q", title="value", format=".4g"),
            ],
        )
    )
    rules = (
        alt.Chart()
        .transform_filter("datum.k === 'r'")
        .mark_rule(strokeWidth=2, color=ERROR_COLOR)
        .encode(
            x=x,
            strokeDash=alt.StrokeDash(
                "which:N",
                title=None,
                scale=alt.Scale(
                    domain=["serving threshold", "cost-optimal threshold"],
                    range=[[1, 0], [6, 4]],
                ),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[alt.Tooltip("which:N", title=" "), alt.Tooltip("t:Q", title="threshold")],
        )
    )
    return (
        alt.layer(curves, rules, data=alt.Data(values=rows))
        .properties(width=240, height=180)
        .facet(
            facet=alt.Facet(
                "v:N", title=None, sort=panels, header=alt.Header(labelFontWeight="bold")
            ),
            columns=4,
        )
        .properties(title=title)
    )
