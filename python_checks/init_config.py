"""`mpm init`: a starting config for a warehouse the project did not
generate, learned from the warehouse itself.

It reads metrics_daily (so the warehouse must be built: `mpm init` runs the
preflight and `dbt build` first when metrics_daily is missing, as `mpm
build` does; an existing metrics_daily is read as it is) and the staged
predictions and labels, and writes the config folder's thresholds.yml and a
commented links.yml template:

- every model with its task type, features (numeric, categorical), daily
  volume and label delay, as a comment above its rules;
- one rule per metric family that fits the task (quality, calibration,
  serving latency, drift per feature and of the prediction, the drift-type
  verdict, data quality), each bound learned from a reference window (the
  model's first `reference_days` days; drift metrics skip the drift
  reference window, whose PSI is in-sample): the metric's level (median)
  and its own day-to-day spread (standard deviation), bound = level ±
  `k` · spread on the side that is worse;
- sample gates sized to the model's volume: each rule's min_sample_size is
  half the smallest sample its metric had on a reference day, so every
  normal day is evaluated (a fixed 200 would mark every day of a model with
  150 predictions a day "not evaluated").

It never overwrites an existing file without `force`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from python_checks import paths
from python_checks.errors import UsageError
from python_checks.warehouse.engine import Engine

ALL = "__all__"
PREDICTION = "__prediction__"
# Higher is better (up), lower is better (down); `proportion`: a share whose
# Wilson interval decides a breach. The first family of a task is its error
# rule; the rest warn until a person has looked at them.
FAMILIES: dict[str, list[tuple[str, str, str]]] = {
    "binary_classification": [
        ("quality", "auc_roc", "up"),
        ("quality", "precision", "up"),
        ("quality", "recall", "up"),
        ("calibration", "ece", "down"),
    ],
    "ranking": [
        ("quality", "ndcg_at_10", "up"),
        ("quality", "recall_at_10", "up"),
        ("feedback loop", "catalog_coverage_at_10", "up"),
        ("feedback loop", "exposure_gini_at_10", "down"),
    ],
    "regression": [
        ("quality", "mae", "down"),
        ("quality", "r2", "up"),
        ("bias", "mean_error", "both"),
    ],
    "generation": [
        ("quality", "rougeL_f", "up"),
        ("quality", "bleu", "up"),
    ],
}
COMMON = [("serving", "latency_p95_ms", "down")]
LABELED = {"quality", "calibration", "bias"}  # families computed from labels
# The alarm policy init writes (declare/thresholds.py, README "Alarm policy
# per rule"): a day breaches only when the metric's whole interval is
# outside the bound, so a small day does not page on its own sampling noise.
# Shares counted over the day's rows get Wilson (`proportion: true`), AUC
# Hanley-McNeil; the per-feature PSI rule (many features, each noisy) alarms
# on 2 of the last 3 days. Not written: `fdr` (init's rules are one slice a
# day, the rollup, so there is no family of tests to control) and a
# standard error for means (metrics_daily publishes no per-day spread).
PROPORTIONS = {"precision", "recall"}
SAMPLING_ERROR = {"auc_roc": "hanley_mcneil"}
DRIFT_PERSISTENCE = {"k": 2, "n": 3}
ERROR_METRICS = {"auc_roc", "ndcg_at_10", "mae", "rougeL_f", "psi"}


@dataclass
class ModelProfile:
    """What init learned about one model."""

    name: str
    task_type: str
    days: int
    daily_volume: float  # median predictions per day
    min_daily_volume: int
    label_delay_days: float | None  # median days from prediction to label
    numeric_features: list[str] = field(default_factory=list)
    categorical_features: list[str] = field(default_factory=list)
    reference: tuple[str, str] = ("", "")
    rules: list[dict] = field(default_factory=list)


def learn_bound(
    values: pd.Series, better: str, k: float
) -> tuple[float | None, float | None, float, float] | None:
    """(min, max, level, spread) from a metric's reference days: level the
    median, spread the standard deviation of its daily values (its own
    noise, sampling error included), the bound `k` spreads away on the
    worse side. None when fewer than 3 days have a value. A spread of 0 (a
    constant metric) gets a floor of 1 % of the level (or 1e-6) so a bound
    never sits on the level itself."""
    clean = values.dropna().astype(float)
    if len(clean) < 3:
        return None
    level = float(clean.median())
    spread = float(clean.std(ddof=1))
    spread = max(spread, 0.01 * abs(level), 1e-6)
    low = level - k * spread if better in ("up", "both") else None
    high = level + k * spread if better in ("down", "both") else None
    return low, high, level, spread


def sample_gate(sample_sizes: pd.Series) -> int:
    """Half the smallest sample of a reference day: every day of normal
    volume is evaluated, a day at less than half of it is not."""
    sizes = sample_sizes.dropna()
    return max(1, int(sizes.min() // 2)) if len(sizes) else 1


def coverage_floor(coverage: pd.Series) -> float | None:
    """Half the lowest label coverage of a reference day, rounded down to
    0.01 (None without labels)."""
    values = coverage.dropna()
    return math.floor(50 * float(values.min())) / 100 if len(values) else None


def _rollup(metrics: pd.DataFrame, model: str) -> pd.DataFrame:
    rows = metrics[
        (metrics["model_name"] == model)
        & (metrics["model_version"] == ALL)
        & (metrics["segment"] == ALL)
    ]
    return rows.assign(metric_date=pd.to_datetime(rows["metric_date"]))


def profile_models(
    metrics: pd.DataFrame,
    tasks: dict[str, str],
    label_delays: dict[str, float | None],
    reference_days: int = 14,
    drift_reference_days: int = 7,
    k: float = 4.0,
) -> list[ModelProfile]:
    """Every model of `tasks` (model -> task type) with its learned rules."""
    profiles = []
    for model in sorted(tasks):
        task = tasks[model]
        rows = _rollup(metrics, model)
        volume = rows[rows["metric_name"] == "n_predictions"].set_index("metric_date")
        days = sorted(volume.index.unique())
        if not days:
            continue
        first = days[0]
        last_reference = first + pd.Timedelta(days=reference_days - 1)
        reference = rows[rows["metric_date"] <= last_reference]
        drift_start = first + pd.Timedelta(days=drift_reference_days)
        counts = volume["metric_value"].astype(float)
        drift_rows = rows[rows["layer"] == "drift"]
        numeric = sorted(set(drift_rows.loc[drift_rows["metric_name"] == "ks_statistic",
                                            "feature_name"]) - {PREDICTION})  # fmt: skip
        categorical = sorted(
            set(drift_rows.loc[drift_rows["metric_name"] == "js_distance", "feature_name"])
        )
        profile = ModelProfile(
            name=model,
            task_type=task,
            days=len(days),
            daily_volume=float(counts.median()),
            min_daily_volume=int(counts.min()),
            label_delay_days=label_delays.get(model),
            numeric_features=numeric,
            categorical_features=categorical,
            reference=(str(first.date()), str(min(last_reference, days[-1]).date())),
        )
        # Labels: the coverage gate is half the lowest reference coverage,
        # so a model that labels half its predictions (summaries with a
        # reference) is evaluated, and a day whose labels have not arrived
        # is not.
        coverage = reference.loc[reference["metric_name"] == "label_coverage", "metric_value"]
        coverage_gate = coverage_floor(coverage)
        for family, metric, better in [*FAMILIES.get(task, []), *COMMON]:
            series = reference[
                (reference["metric_name"] == metric) & (reference["feature_name"].fillna("") == "")
            ]
            learned = learn_bound(series["metric_value"], better, k)
            if learned is None:
                continue
            low, high, level, spread = learned
            rule = _rule(model, metric, family, low, high, level, spread,
                         sample_gate(series["sample_size"]), metric in ERROR_METRICS)  # fmt: skip
            if family in LABELED and coverage_gate is not None:
                rule["min_label_coverage"] = coverage_gate
            if metric in PROPORTIONS:
                rule["proportion"] = True
            if metric in SAMPLING_ERROR:
                rule["sampling_error"] = SAMPLING_ERROR[metric]
            profile.rules.append(rule)
        # Drift: one PSI rule per model over every feature and the
        # prediction, bound by the widest feature's learned upper bound
        # (learned outside the drift reference window, where PSI is in-sample).
        psi = reference[
            (reference["metric_name"] == "psi") & (reference["metric_date"] >= drift_start)
        ]
        bounds = []
        for _, one in psi.groupby("feature_name"):
            learned = learn_bound(one["metric_value"], "down", k)
            if learned is not None:
                bounds.append((learned[1], learned[2], learned[3]))
        if bounds:
            high, level, spread = max(bounds)
            rule = _rule(model, "psi", "drift", None, high, level, spread,
                         sample_gate(psi["sample_size"]), True, feature="*")  # fmt: skip
            rule["persistence"] = dict(DRIFT_PERSISTENCE)
            profile.rules.append(rule)
        # The drift-type verdict (drift_verdict_daily, its knobs in
        # dbt_project.yml): a flag, so its bound is 0, not learned; only the
        # kinds the model's task defines (a value on some reference day).
        for metric, severity in (
            ("data_drift_detected", "error"),
            ("concept_drift_detected", "error"),
            ("label_drift_detected", "warn"),
        ):
            if reference.loc[reference["metric_name"] == metric, "metric_value"].notna().any():
                profile.rules.append(
                    {"model": model, "metric": metric, "max": 0, "severity": severity,
                     "min_sample_size": 0, "_why": "drift verdict"}
                )  # fmt: skip
        profiles.append(profile)
    return profiles


def _rule(model, metric, family, low, high, level, spread, gate, error, feature=None) -> dict:
    rule = {"model": model, "metric": metric}
    if feature:
        rule["feature"] = feature
    if low is not None:
        rule["min"] = _round(low)
    if high is not None:
        rule["max"] = _round(high)
    rule["severity"] = "error" if error else "warn"
    rule["min_sample_size"] = gate
    rule["_why"] = f"{family}; level {level:.4g}, day-to-day spread {spread:.3g}"
    return rule


def _round(value: float) -> float:
    """Four significant digits: a bound a person can read and edit."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    digits = 3 - int(math.floor(math.log10(abs(value))))
    return float(round(value, digits))


def _yaml_value(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "*":
        return '"*"'
    return f"{value:g}" if isinstance(value, float) else str(value)


def _flow(rule: dict) -> str:
    parts = []
    for key, value in rule.items():
        if key.startswith("_"):
            continue
        parts.append(f"{key}: {_yaml_value(value)}")
    return "{" + ", ".join(parts) + "}"


def thresholds_text(
    profiles: list[ModelProfile], warehouse: Path, k: float, drift_fdr_gate: int
) -> str:
    lines = [
        f"# Starting config for {warehouse}, written by `mpm init`.",
        "# Each bound was learned from the model's reference window (named per",
        f"# model): its level (median) -/+ {k:g} x its day-to-day spread (standard",
        "# deviation), on the worse side. min_sample_size gates are half the smallest",
        "# sample of a reference day, so every day of normal volume is evaluated;",
        "# min_label_coverage is half the lowest label coverage of a reference day.",
        "# Edit freely; `mpm backtest` shows how often each rule would have fired.",
        "# Keys: see expectations/demo/thresholds.yml (the demo's config).",
        "",
        "settings:",
        "  evaluation_window_days: 14",
        "  min_sample_size: 1",
        "  min_label_coverage: 0.5",
        "  wilson_z: 1.96",
        "",
        "rules:",
    ]
    for p in profiles:
        delay = (
            f"labels arrive after {p.label_delay_days:g} day(s) (median)"
            if p.label_delay_days is not None
            else "no labels"
        )
        lines += [
            "",
            f"  # ---- {p.name}: {p.task_type}; {p.days} day(s), {p.daily_volume:g} "
            f"predictions a day (median; fewest {p.min_daily_volume}); {delay}",
            f"  # numeric features: {', '.join(p.numeric_features) or 'none'}; "
            f"categorical: {', '.join(p.categorical_features) or 'none'}",
            f"  # reference window: {p.reference[0]} .. {p.reference[1]}",
        ]
        for rule in p.rules:
            lines.append(f"  # {rule['_why']}")
            lines.append(f"  - {_flow(rule)}")
    lines += [
        "",
        "  # ---- every model: serving health and data quality",
        '  - {model: "*", metric: quarantine_rate, max: 0.01, severity: error, min_sample_size: 1}',
        '  - {model: "*", metric: prediction_day_missing, max: 0, severity: error, '
        "min_sample_size: 0}",
        "",
        "checks:",
        "  staleness:",
        "    max_age_hours: 36",
        "  drift_fdr:",
        "    # Benjamini-Hochberg over the window's KS p-values; the gate is sized",
        "    # to the smallest model's volume like the rules' gates.",
        "    fdr: 0.01",
        "    min_ks_statistic: 0.2",
        f"    min_sample_size: {drift_fdr_gate}",
        "",
    ]
    return "\n".join(lines)


def links_text(profiles: list[ModelProfile], business: dict[str, list[str]]) -> str:
    lines = [
        "# Links between the model layer and the business layer (a commented",
        "# template written by `mpm init`): a link says which business metric should",
        "# move with a model metric; the run flags divergences and linked regressions.",
        "# Uncomment and edit; the demo's expectations/demo/links.yml shows",
        "# every key.",
        "",
        "settings:",
        "  window_days: 7",
        "  min_days_per_window: 5",
        "  noise_z: 3.0",
        "",
        "links: []",
    ]
    for p in profiles:
        quality = next((r["metric"] for r in p.rules if r["_why"].startswith("quality")), None)
        if quality is None:
            continue
        better = "down" if quality == "mae" else "up"
        metrics = business.get(p.name) or business.get("__product__") or []
        target = metrics[0] if metrics else "conversion_rate"
        where = p.name if business.get(p.name) else "__product__"
        lines += [
            f"#  - name: {p.name}_{quality}_drives_{target}",
            f"#    why: why {p.name}'s {quality} should move {target} (no events yet: "
            "pick one once they are wired in)"
            if not metrics
            else f"#    why: why {p.name}'s {quality} should move {target}",
            f"#    model: {{model: {p.name}, metric: {quality}, better: {better}}}",
            f"#    business: {{model: {where}, metric: {target}, better: up}}",
        ]
        if metrics:
            lines.append(f"#    (business metrics published here: {', '.join(metrics)})")
    return "\n".join(lines) + "\n"


def _tasks(engine: Engine) -> dict[str, str]:
    frame = engine.query(
        "select model_name, min(task_type) as task_type from staging.stg_raw__predictions "
        "group by model_name"
    )
    return dict(zip(frame["model_name"], frame["task_type"], strict=True))


def _label_delays(engine: Engine) -> dict[str, float | None]:
    """Median days from a prediction's day to its label's day, per model."""
    frame = engine.query(
        """
        with served as (
            select model_name, prediction_id, request_id,
                cast(predicted_at as date) as predicted_date
            from staging.stg_raw__predictions
        ),
        requests as (
            select model_name, request_id, min(predicted_date) as predicted_date
            from served where request_id is not null group by model_name, request_id
        )
        select s.model_name, s.predicted_date, cast(l.labeled_at as date) as labeled_date,
            count(*) as n
        from staging.stg_raw__labels as l
        inner join served as s on l.prediction_id = s.prediction_id
        group by s.model_name, s.predicted_date, cast(l.labeled_at as date)
        union all
        select r.model_name, r.predicted_date, cast(l.labeled_at as date) as labeled_date,
            count(*) as n
        from staging.stg_raw__labels as l
        inner join requests as r on l.request_id = r.request_id
        where l.prediction_id is null
        group by r.model_name, r.predicted_date, cast(l.labeled_at as date)
        """
    )
    delays: dict[str, float | None] = {}
    for model, rows in frame.groupby("model_name"):
        labeled, predicted = rows["labeled_date"], rows["predicted_date"]
        lag = (pd.to_datetime(labeled) - pd.to_datetime(predicted)).dt.days
        order = np.argsort(lag.to_numpy())
        weights = rows["n"].to_numpy()[order].cumsum()
        delays[model] = float(lag.to_numpy()[order][np.searchsorted(weights, weights[-1] / 2)])
    return delays


def _business(metrics: pd.DataFrame) -> dict[str, list[str]]:
    rows = metrics[metrics["layer"] == "business"]
    return {
        model: sorted(group["metric_name"].unique()) for model, group in rows.groupby("model_name")
    }


@dataclass
class InitResult:
    config_dir: Path
    written: list[Path]
    profiles: list[ModelProfile]


def refuse_overwrite(config_dir: Path, force: bool) -> list[Path]:
    """The files init writes; exit 2 naming the first that exists unless `force`."""
    targets = [config_dir / paths.THRESHOLDS_NAME, config_dir / paths.LINKS_NAME]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise UsageError(
            f"{existing[0]} exists; `mpm init` never overwrites a config (pass --force "
            "to replace it, or --config-dir for another folder)"
        )
    return targets


def write_config(
    engine: Engine,
    warehouse: Path,
    config_dir: Path,
    force: bool = False,
    reference_days: int = 14,
    drift_reference_days: int = 7,
    k: float = 4.0,
) -> InitResult:
    """Learn a starting config from a built warehouse and write it; an
    existing file is exit 2 unless `force`."""
    targets = refuse_overwrite(config_dir, force)
    metrics = engine.metrics()
    tasks = _tasks(engine)
    if metrics.empty or not tasks:
        raise UsageError(f"{warehouse}: no predictions in metrics_daily to learn a config from")
    profiles = profile_models(
        metrics, tasks, _label_delays(engine), reference_days, drift_reference_days, k
    )
    gate = min(
        (r["min_sample_size"] for p in profiles for r in p.rules if r["metric"] == "psi"),
        default=200,
    )
    config_dir.mkdir(parents=True, exist_ok=True)
    targets[0].write_text(thresholds_text(profiles, warehouse, k, gate))
    targets[1].write_text(links_text(profiles, _business(metrics)))
    return InitResult(config_dir, targets, profiles)


def render(result: InitResult) -> str:
    """What init wrote, one line per model, for the terminal."""
    lines = [f"wrote {', '.join(str(p) for p in result.written)}"]
    for p in result.profiles:
        delay = f"{p.label_delay_days:g} d" if p.label_delay_days is not None else "none"
        lines.append(
            f"  {p.name}: {p.task_type}, {p.daily_volume:g} predictions/day, label delay "
            f"{delay}, {len(p.numeric_features)} numeric + {len(p.categorical_features)} "
            f"categorical features, {len(p.rules)} rules (reference {p.reference[0]} .. "
            f"{p.reference[1]})"
        )
    lines.append("next: `mpm backtest` (how often each rule would have fired), then `mpm run`")
    return "\n".join(lines)
