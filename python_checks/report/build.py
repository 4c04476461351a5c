"""Build the run's HTML report from a ReportInput: an overview per model
(status, what broke and since when), every failing check with its numbers
and links, then one section per model (report/sections.py), rendered with
the Jinja template report/templates/report.html.j2.

Every string from the data goes through Jinja's autoescaping (HTML) or a
JSON encoding that cannot close a <script> element (chart specs)."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from urllib.parse import quote

import jinja2
import pandas as pd
from markupsafe import Markup

from python_checks.report import sections
from python_checks.report.data import ReportInput
from python_checks.report.summary import incidents
from python_checks.report.vega_js import vega_bundle, vega_version
from python_checks.results import CheckResult, Status

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATUS_ORDER = ("error", "warn", "not evaluated", "ok")
model_status = sections.model_status


def _headline(incident: dict) -> str:
    scope = []
    if incident["model_version"] not in (sections.ALL, ""):
        scope.append(f"version {incident['model_version']}")
    if incident["segment"] not in (sections.ALL, ""):
        scope.append(f"segment {incident['segment']}")
    where = f" ({', '.join(scope)})" if scope else ""
    latest = _fmt(incident["latest"])
    return (
        f"{incident['metric']}{where} breaks {incident['bound']} since {incident['first_day']} "
        f"({incident['days']} day(s); latest {latest}, worst {_fmt(incident['worst'])})"
    )


_fmt = sections._fmt


def _pct(value) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:+.1%}"


class _Links:
    """Links from the report to the files beside it, relative to its folder."""

    def __init__(self, inp: ReportInput, report_dir: Path) -> None:
        self.inp = inp
        self.report_dir = report_dir

    def file(self, path: str) -> str:
        if not path:
            return ""
        target = os.path.relpath(path, self.report_dir)
        return quote(target.replace(os.sep, "/"))

    def dbt_model(self, metric: str) -> str:
        info = self.inp.declarations.catalog.get(metric.split(":")[0].split("[")[0])
        index = self.file(self.inp.dbt_docs_index)
        if not (info and index):
            return ""
        return f"{index}#!/model/model.{quote(self.inp.dbt_project)}.{quote(info.mart)}"


def _section(
    inp: ReportInput,
    index: int,
    model: str,
    frame: pd.DataFrame,
    folded: list[dict],
    sliced: list[CheckResult],
    flag_cells: dict[str, pd.DataFrame],
    specs: sections.Specs,
) -> sections.ModelSection:
    results = inp.results
    section = sections.ModelSection(
        model=model, anchor=f"model-{index}", status=model_status(model, results)
    )
    section.incidents = [i for i in folded if i["model"] == model]
    section.headline = [_headline(i) for i in section.incidents if i["severity"] == "error"][:3]
    if not section.headline:
        section.headline = [_headline(i) for i in section.incidents][:3]
    section.not_evaluated = sum(
        1 for r in results if r.model == model and r.status is Status.NOT_EVALUATED
    )
    errors = [i for i in section.incidents if i["severity"] == "error"] or section.incidents
    if errors and model != sections.PRODUCT:
        section.moved_since = min(i["first_day"] for i in errors)
        section.moved = sections.moved_with(inp, frame, model, section.moved_since)
    sections.charts_of(inp, model, frame, sliced, section, specs)
    if model in flag_cells and not flag_cells[model].empty:
        section.flags = specs.add(
            sections.charts.link_flags(
                flag_cells[model], f"{model}: divergence flags of the links"
            ),
            caption="divergence flags of the links",
        )
    sections.threshold_curve(inp, model, section, specs)
    sections.backtest_view(inp, model, section, specs)
    return section


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
    specs = sections.Specs()
    flag_cells = sections.link_cells(inp, sections.link_window(inp, frame))

    models = sorted(set(frame["model_name"]) if not frame.empty else set())
    models += sorted({r.model for r in results if r.model and r.model != "*"} - set(models))
    built = [
        _section(inp, index, model, frame, folded, sliced, flag_cells, specs)
        for index, model in enumerate(models)
    ]
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
    not_applicable = [r for r in results if r.status is Status.NOT_APPLICABLE]
    errors = [r for r in breaches if r.severity == "error"]
    return _template().render(
        inp=inp,
        sections=sorted(built, key=lambda s: (STATUS_ORDER.index(s.status), s.model)),
        failing=failing,
        other=other,
        not_evaluated=not_evaluated,
        not_applicable=not_applicable,
        n_results=len(results),
        n_passed=sum(1 for r in results if r.status is Status.PASSED),
        n_breached=len(breaches),
        n_errors=len(errors),
        verdict="FAILED" if errors else "OK",
        side_layers=sections.SIDE_BY_SIDE,
        layer_titles=sections.LAYER_TITLES,
        data_docs=links.file(inp.data_docs_index),
        dbt_docs=links.file(inp.dbt_docs_index),
        run_results=links.file(inp.run_results),
        specs=[(c.spec_id, _script_json(c.spec)) for c in specs.charts],
        vega_js=Markup(vega_bundle()),
        vega_version=vega_version(),
    )


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["fmt"] = _fmt
    env.filters["pct"] = _pct
    return env.get_template("report.html.j2")


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
