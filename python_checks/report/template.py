# ruff: noqa: E501  (HTML and CSS lines read better unwrapped)
"""The report's HTML (a Jinja template with autoescaping on). Styles and
scripts are inline so the file opens offline; the Vega runtime is inlined
once and every chart is a Vega spec in a <script type="application/json">."""

TEMPLATE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ml-product-metrics: {{ verdict }} ({{ inp.generated_at }})</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#1d2733;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header .meta{opacity:.8;font-size:12px}
header a{color:#9cd2ff}
main{padding:12px 24px;max-width:1400px}
section.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px 16px;margin:12px 0}
h2{font-size:17px;margin:4px 0 8px}
h3{font-size:15px;margin:10px 0 6px}
table{border-collapse:collapse;font-size:13px}
th,td{border-bottom:1px solid #e5e8ec;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.status{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;color:#fff}
.status-error{background:#c0392b}.status-warn{background:#e67e22}
.status-ok{background:#2e8b57}.status-not-evaluated{background:#7f8c8d}
.verdict-FAILED{color:#ffb3a7}.verdict-OK{color:#b6f0c8}
.layers{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.layers>div{min-width:0;overflow-x:auto}
.layers.wide{grid-template-columns:1fr}
.chart{min-height:40px}
.empty{color:#6b7785;font-style:italic}
.headline{margin:4px 0;font-weight:600;color:#8e2b20}
details summary{cursor:pointer}
.small{font-size:12px;color:#56616e}
</style>
</head>
<body>
<header>
<h1>ml-product-metrics nightly report: <span class="verdict-{{ verdict }}" id="verdict">{{ verdict }}</span></h1>
<div class="meta">warehouse {{ inp.warehouse }} · generated {{ inp.generated_at }} ·
{{ n_results }} check results: {{ n_passed }} passed, {{ n_breached }} breached ({{ n_errors }} error), {{ not_evaluated|length }} not evaluated
{% if data_docs %} · <a href="{{ data_docs }}">Great Expectations Data Docs</a>{% endif %}
{% if dbt_docs %} · <a href="{{ dbt_docs }}">dbt docs</a>{% endif %}
{% if run_results %} · <a href="{{ run_results }}">run_results.json</a>{% endif %}
</div>
</header>
<main>
<section class="card" id="overview">
<h2>Overview</h2>
<table>
<tr><th>model</th><th>status</th><th>what broke, since when</th><th>not evaluated</th></tr>
{% for s in sections %}
<tr>
<td><a href="#{{ s.anchor }}">{{ s.model }}</a></td>
<td><span class="status status-{{ s.status|replace(' ', '-') }}">{{ s.status }}</span></td>
<td>{% for line in s.headline %}<div>{{ line }}</div>{% else %}<span class="empty">nothing broke</span>{% endfor %}</td>
<td class="num">{{ s.not_evaluated }}</td>
</tr>
{% endfor %}
</table>
<p class="small">Status: <b>error</b> or <b>warn</b> when a check of that severity breaks; <b>not evaluated</b> when no check of the model could run (too few rows, labels not mature yet); never counted as passed.</p>
</section>

<section class="card" id="failing-checks">
<h2>Failing checks</h2>
{% if failing %}
<table>
<tr><th>severity</th><th>check</th><th>model</th><th>version</th><th>segment</th><th>day(s)</th><th>n</th><th>metric</th><th>latest</th><th>worst</th><th>bound</th><th>links</th></tr>
{% for i in failing %}
<tr class="failing-check">
<td><span class="status status-{{ i.severity }}">{{ i.severity }}</span></td>
<td>{{ i.check }}</td><td>{{ i.model }}</td><td>{{ i.model_version }}</td><td>{{ i.segment }}</td>
<td>{{ i.since }}</td><td class="num">{{ i.days }}</td><td>{{ i.metric }}</td>
<td class="num">{{ i.latest }}</td><td class="num">{{ i.worst }}</td><td>{{ i.bound }}</td>
<td>{% if i.docs %}<a href="{{ i.docs }}">Data Docs</a>{% endif %}{% if i.dbt %} · <a href="{{ i.dbt }}">dbt model</a>{% endif %}</td>
</tr>
{% endfor %}
</table>
{% else %}<p class="empty">No sliced check breached.</p>{% endif %}
{% if other %}
<h3>Other breaches</h3>
<table>
<tr><th>severity</th><th>check</th><th>model</th><th>value</th><th>message</th><th>links</th></tr>
{% for r in other %}
<tr class="failing-check"><td><span class="status status-{{ r.severity }}">{{ r.severity }}</span></td><td>{{ r.check }}</td><td>{{ r.model }}</td><td class="num">{{ r.value }}</td><td>{{ r.message }}</td>
<td>{% if r.docs %}<a href="{{ r.docs }}">Data Docs</a>{% endif %}{% if r.dbt %} · <a href="{{ r.dbt }}">dbt model</a>{% endif %}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if not_evaluated %}
<details><summary>{{ not_evaluated|length }} check result(s) not evaluated</summary>
<ul>{% for r in not_evaluated %}<li>{{ r.check }}: {{ r.message }}</li>{% endfor %}</ul>
</details>
{% endif %}
</section>

{% for s in sections %}
<section class="card model" id="{{ s.anchor }}">
<h2>{{ s.model }} <span class="status status-{{ s.status|replace(' ', '-') }}">{{ s.status }}</span></h2>
{% for line in s.headline %}<p class="headline">{{ line }}</p>{% endfor %}
{% if s.moved_since %}
{% if s.moved %}
<h3>Business metrics since {{ s.moved_since }} (mean of the days since vs the same number of days before)</h3>
<table><tr><th>model</th><th>metric</th><th>before</th><th>since</th><th>change</th></tr>
{% for m in s.moved %}<tr><td>{{ m.model }}</td><td>{{ m.metric }}</td><td class="num">{{ m.before|fmt }}</td><td class="num">{{ m.since|fmt }}</td><td class="num">{{ m.change|pct }}</td></tr>{% endfor %}
</table>
{% else %}
<p class="empty">No business metric is published for {{ s.model }} yet (layer <code>business</code> of metrics_daily), so nothing shows what moved with it.</p>
{% endif %}
{% endif %}
<div class="layers{% if s.wide %} wide{% endif %}">
{% for layer in side_layers %}
<div class="layer-{{ layer }}"><h3>{{ layer_titles[layer] }}</h3>
{% if s.side.get(layer) %}<div class="chart" data-spec="{{ s.side[layer].spec_id }}" aria-label="{{ s.side[layer].caption }}"></div>
{% else %}<p class="empty">No {{ layer }} metric published for this model.</p>{% endif %}
</div>
{% endfor %}
</div>
{% if s.curve %}<h3>Threshold curve</h3><div class="chart" data-spec="{{ s.curve.spec_id }}"></div><p class="small">{{ s.curve_note }}</p>{% endif %}
{% if s.flags %}<h3>Divergence flags of the links</h3><div class="chart" data-spec="{{ s.flags.spec_id }}" data-caption="{{ s.flags.caption }}"></div>
<p class="small">One row per declared link (expectations/links.yml), one cell per day the link check judged: <b>diverged</b> (one layer better beyond its noise, the other worse), <b>regressed together</b> (both worse: the model regression reached users), consistent, or not evaluated (a series missing, too few days); hover a cell for how each layer moved.</p>{% endif %}
{% if s.drift %}<h3>Drift</h3>{% for c in s.drift %}<div class="chart" data-spec="{{ c.spec_id }}" data-caption="{{ c.caption }}"></div>{% endfor %}
<p class="small">The top row is the day's drift verdict (drift_verdict_daily): data_drift (an input moved; hover for the feature), concept_drift (inputs held, quality fell), label_drift, none, not_evaluated.</p>{% endif %}
{% for title, c in s.full %}<h3>{{ title }}</h3><div class="chart" data-spec="{{ c.spec_id }}"></div>{% endfor %}
</section>
{% endfor %}
<p class="small">Charts: Vega {{ vega_version }}, inlined; dashed rules are the bounds declared in expectations/thresholds.yml (red error, orange warn), red diamonds the breached days.</p>
</main>
{% for spec_id, spec in specs %}<script type="application/json" id="{{ spec_id }}">{{ spec }}</script>
{% endfor %}
<script>{{ vega_js }}</script>
<script>
(function () {
  var nodes = document.querySelectorAll("div.chart[data-spec]");
  var state = window.mpmCharts = {total: nodes.length, rendered: 0, failed: 0};
  nodes.forEach(function (el) {
    var spec;
    try {
      spec = JSON.parse(document.getElementById(el.getAttribute("data-spec")).textContent);
      new vega.View(vega.parse(spec), {renderer: "svg", container: el, hover: true})
        .runAsync()
        .then(function () { el.setAttribute("data-rendered", "1"); state.rendered += 1; })
        .catch(function (err) { state.failed += 1; el.textContent = "chart failed: " + err; console.error(err); });
    } catch (err) {
      state.failed += 1; el.textContent = "chart failed: " + err; console.error(err);
    }
  });
})();
</script>
</body>
</html>
"""
