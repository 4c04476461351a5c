"""The declared thresholds as Great Expectations suites over metrics_daily.

One suite per model, one expectation per (rule, model); each expectation sees
only the rows its rule selects and that are evaluable (enough rows, mature
labels). Rows that are not evaluable are reported as not evaluated, never as
passed. The checkpoint builds Data Docs into <reports>/data_docs.

metrics_daily is small (one row per metric per day): the engine hands GE the
datasource it validates through (pandas on DuckDB, Spark on Spark, in the
session that built the marts; warehouse/engine.py).

Data Docs render the unexpected rows' key values into HTML without escaping
them, and model names and segments come from the data: every string GE
sees is HTML-escaped first, so a model named `<script>…` stays text.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import logging
import multiprocessing
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from python_checks.declare import Declarations
from python_checks.declare.thresholds import Rule
from python_checks.results import CheckResult, Status
from python_checks.stats.derived import derive
from python_checks.stats.intervals import (
    benjamini_hochberg,
    hanley_mcneil_interval,
    nearest_in_interval,
    persistent_checked_value,
    share_pvalues,
    wilson_checked_value,
)
from python_checks.warehouse.engine import Engine

# Suite names become file names in Data Docs: plain names up to this length.
_TOKEN_LENGTH = 80
KEY = ["metric_date", "model_name", "model_version", "segment", "metric_name", "feature_name"]


def _text(value) -> str:
    """A key value as Data Docs shows it: HTML-escaped text."""
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class BoundCheck:
    """A rule bound to one model: one GE expectation."""

    check_id: str
    rule: Rule
    model: str
    declared_in: str = "thresholds.yml"
    needs_labels: bool = False


def select_rows(frame: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """The rows of metrics_daily a rule applies to (all models for model '*'),
    before any derivation (change/band rules derive from the full history)."""
    mask = frame["metric_name"] == rule.metric
    if rule.model != "*":
        mask &= frame["model_name"] == rule.model
    for column, wanted in (
        ("model_version", rule.model_version),
        ("segment", rule.segment),
        ("feature_name", rule.feature),
    ):
        if wanted != "*":
            mask &= frame[column] == wanted
    return frame[mask]


def split_evaluable(
    rows: pd.DataFrame, rule: Rule, coverage: pd.DataFrame, needs_labels: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(evaluable rows, not-evaluated rows with a `reason` column)."""
    rows = rows.copy()
    reason = pd.Series("", index=rows.index, dtype="object")
    reason[rows["metric_value"].isna()] = "undefined value"
    small = rows["sample_size"].fillna(0) < rule.min_sample_size
    reason[small & (reason == "")] = f"sample size below {rule.min_sample_size}"
    if "base_rate" in rows:
        reason[rows["base_rate"].isna() & (reason == "")] = "no base_rate for its AUC interval"
    if needs_labels and rule.min_label_coverage > 0:
        joined = rows.merge(
            coverage, how="left", on=["metric_date", "model_name", "model_version", "segment"]
        )
        immature = (joined["label_coverage"].fillna(0) < rule.min_label_coverage).to_numpy()
        reason[immature & (reason == "").to_numpy()] = (
            f"label coverage below {rule.min_label_coverage:g}"
        )
    rows["reason"] = reason
    return rows[reason == ""].drop(columns="reason"), rows[reason != ""]


VERDICT_COLUMNS = [
    "rule_id",
    "model_name",
    "model_version",
    "segment",
    "metric_name",
    "feature_name",
    "metric_date",
    "verdict",
]


def evaluate(
    metrics: pd.DataFrame, declarations: Declarations, runner: Runner, docs_dir: Path
) -> tuple[list[CheckResult], str]:
    """Run every rule through GE; return results and the Data Docs index path.

    `metrics` is the whole of metrics_daily (derived rules need history);
    rules are checked on the last `evaluation_window_days` days. `runner`
    runs the checkpoint (Runner.start).
    """
    results, index_path, _ = evaluate_with_verdicts(metrics, declarations, runner, docs_dir)
    return results, index_path


def evaluate_with_verdicts(
    metrics: pd.DataFrame, declarations: Declarations, runner: Runner, docs_dir: Path
) -> tuple[list[CheckResult], str, pd.DataFrame]:
    """`evaluate`, plus the verdict of every rule x slice x day it judged
    (VERDICT_COLUMNS; verdict pass, breach or not_evaluated; a rule that
    judged no row at all is one not_evaluated row without a day), in the
    shape of the dbt model rule_verdicts_daily, so the two paths can be
    compared row by row (compare_verdicts)."""
    verdicts: list[pd.DataFrame] = []
    results, index_path = _evaluate(metrics, declarations, runner, docs_dir, verdicts)
    frame = (
        pd.concat(verdicts, ignore_index=True)
        if verdicts
        else pd.DataFrame(columns=VERDICT_COLUMNS)
    )
    return results, index_path, frame[VERDICT_COLUMNS]


def compare_verdicts(
    ge: pd.DataFrame, dbt: pd.DataFrame, skip_rules: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Every rule x slice x day on which the Great Expectations path and the
    dbt model rule_verdicts_daily disagree (a verdict differs, or one path
    judged a row the other did not): columns VERDICT_COLUMNS without
    `verdict`, plus `ge` and `dbt` (None where that path has no row).
    Empty when they agree everywhere. `skip_rules` (rule ids with an alarm
    policy the SQL does not model, rules_seed.policy_text) are left out."""
    key = [c for c in VERDICT_COLUMNS if c != "verdict"]
    ge = ge[~ge["rule_id"].isin(skip_rules)]
    dbt = dbt[~dbt["rule_id"].isin(skip_rules)]

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[VERDICT_COLUMNS].copy()
        dates = frame["metric_date"].astype(object).where(frame["metric_date"].notna(), None)
        frame["metric_date"] = dates.map(lambda d: None if d is None else str(d)[:10])
        for column in key:
            frame[column] = frame[column].fillna("").astype(str)
        return frame

    merged = keyed(ge).merge(
        keyed(dbt), how="outer", on=key, suffixes=("_ge", "_dbt"), indicator=False
    )
    merged = merged.rename(columns={"verdict_ge": "ge", "verdict_dbt": "dbt"})
    differs = merged["ge"].fillna("-") != merged["dbt"].fillna("-")
    return merged[differs].sort_values(key).reset_index(drop=True)


def _verdict_rows(rows: pd.DataFrame, rule: Rule, verdict) -> pd.DataFrame:
    out = rows[["model_name", "model_version", "segment", "feature_name", "metric_date"]].copy()
    out["metric_date"] = out["metric_date"].astype(str)
    out["rule_id"] = rule.rule_id
    out["metric_name"] = rule.checked_metric
    out["verdict"] = verdict
    return out


def _rule_verdict(rule: Rule, model: str) -> pd.DataFrame:
    """A rule (on one model, or '*') that judged no row."""
    return pd.DataFrame(
        [
            {
                "rule_id": rule.rule_id,
                "model_name": model,
                "model_version": rule.model_version,
                "segment": rule.segment,
                "metric_name": rule.checked_metric,
                "feature_name": rule.feature,
                "metric_date": None,
                "verdict": "not_evaluated",
            }
        ]
    )


@dataclass
class Prepared:
    """The rules bound to the rows they judge, before anything judges them:
    what could not be evaluated (results), one BoundCheck per (rule, model)
    and the evaluable rows with their check_id and checked_value."""

    results: list[CheckResult]
    bound: list[BoundCheck]
    frames: list[pd.DataFrame]
    # Every rule x slice x day not judged here (not evaluated), in the shape
    # of rule_verdicts_daily; GE's pass/breach rows join them in _evaluate.
    verdicts: list[pd.DataFrame]


def prepare(
    metrics: pd.DataFrame,
    declarations: Declarations,
    as_of: pd.Timestamp | None = None,
    window_days: int | None = None,
) -> Prepared:
    """Every rule's rows as the night of `as_of` sees them: metrics_daily
    cut at that day (derived rules see only the history before it), the
    last `window_days` days up to it (default: evaluation_window_days
    ending at metrics_daily's latest day), the gates applied. The nightly
    run judges the result through GE (evaluate); `mpm backtest` calls it
    once per past night (python_checks/backtest.py)."""
    thresholds, catalog = declarations.thresholds, declarations.catalog
    declared_in = thresholds.path.name if thresholds.path else "thresholds.yml"
    window_days = window_days or declarations.window_days
    wilson_z = thresholds.settings.wilson_z
    if as_of is not None:
        metrics = metrics[pd.to_datetime(metrics["metric_date"]) <= pd.Timestamp(as_of)]
    if metrics.empty:
        first_day = None
    else:
        last_day = pd.Timestamp(as_of if as_of is not None else metrics["metric_date"].max())
        first_day = last_day - pd.Timedelta(days=window_days - 1)
    coverage = metrics.loc[
        metrics["metric_name"] == "label_coverage",
        ["metric_date", "model_name", "model_version", "segment", "metric_value"],
    ].rename(columns={"metric_value": "label_coverage"})
    results: list[CheckResult] = []
    frames: list[pd.DataFrame] = []
    bound: list[BoundCheck] = []
    verdicts: list[pd.DataFrame] = []
    for rule in thresholds.rules:
        info = catalog.get(rule.metric)
        if info is None:
            why = f"metric {rule.metric!r} is not published by any mart"
            results.append(_rule_not_evaluated(rule, rule.model, why))
            verdicts.append(_rule_verdict(rule, rule.model))
            continue
        history = derive(select_rows(metrics, rule), rule)
        if rule.sampling_error == "hanley_mcneil":
            history = with_base_rate(history, metrics)
        selected = history
        if first_day is not None:
            selected = history[pd.to_datetime(history["metric_date"]) >= first_day]
        models = sorted(selected["model_name"].unique()) if rule.model == "*" else [rule.model]
        if not models:
            # A rule for every model that finds no row at all is not a pass.
            results.append(_rule_not_evaluated(rule, "*", "no rows in the window"))
            verdicts.append(_rule_verdict(rule, "*"))
        for model in models:
            rows = selected[selected["model_name"] == model]
            evaluable, skipped = split_evaluable(rows, rule, coverage, info.needs_labels)
            checked = checked_values(evaluable, rule, wilson_z)
            if rule.proportion and checked.isna().any():
                # A Wilson interval on 0 rows is undefined: not evaluated,
                # never a pass (GE skips nulls).
                undefined = evaluable[checked.isna()].assign(
                    reason="undefined Wilson interval (sample size 0)"
                )
                skipped = pd.concat([skipped, undefined])
                evaluable, checked = evaluable[checked.notna()], checked[checked.notna()]
            if len(skipped):
                results.append(_not_evaluated(rule, model, skipped))
                verdicts.append(_verdict_rows(skipped, rule, "not_evaluated"))
            if evaluable.empty:
                if rows.empty:
                    why = f"no rows for {model} in the window"
                    if info.requires:
                        why += (
                            f" (needs the optional source tables {', '.join(info.requires)}:"
                            " absent, or without rows for this model)"
                        )
                    results.append(_rule_not_evaluated(rule, model, why))
                    verdicts.append(_rule_verdict(rule, model))
                continue
            check = BoundCheck(
                check_id=f"c{len(bound):05d}",
                rule=rule,
                model=model,
                declared_in=declared_in,
                needs_labels=info.needs_labels,
            )
            bound.append(check)
            if rule.persistence_n > 1:
                # k of n needs the n - 1 evaluated days before the window too
                before = history[history["model_name"] == model]
                past, _ = split_evaluable(before, rule, coverage, info.needs_labels)
                checked = persistent_values(past, rule, wilson_z).loc[evaluable.index]
            frames.append(evaluable.assign(check_id=check.check_id, checked_value=checked))
    return Prepared(results, bound, frames, verdicts)


def persistent_values(rows: pd.DataFrame, rule: Rule, wilson_z: float) -> pd.Series:
    """Each row's checked value under the rule's persistence (k of its
    slice's last n evaluated days, stats.intervals.persistent_checked_value),
    computed per slice (version, segment, feature) in day order."""
    checked = checked_values(rows, rule, wilson_z).astype(float)
    out = pd.Series(np.nan, index=rows.index)
    keys = ["model_version", "segment", "feature_name"]
    for _, group in rows.groupby(keys, dropna=False, sort=False):
        ordered = group.sort_values("metric_date").index
        out.loc[ordered] = persistent_checked_value(
            checked.loc[ordered].to_numpy(), rule.min, rule.max,
            rule.persistence_k, rule.persistence_n,
        )  # fmt: skip
    return out


def _evaluate(
    metrics: pd.DataFrame,
    declarations: Declarations,
    runner: Runner,
    docs_dir: Path,
    verdicts: list[pd.DataFrame],
) -> tuple[list[CheckResult], str]:
    prepared = prepare(metrics, declarations)
    verdicts.extend(prepared.verdicts)
    results, bound, frames = prepared.results, prepared.bound, prepared.frames
    if not bound:
        return results, ""
    frame = pd.concat(frames, ignore_index=True)
    frame["metric_value"] = frame["metric_value"].astype(float)
    frame["checked_value"] = frame["checked_value"].astype(float)
    frame["metric_date"] = frame["metric_date"].astype(str)
    shown = frame.copy()
    for column in KEY:
        shown[column] = shown[column].map(_text)
    validation, index_path = runner.run(shown, bound, docs_dir)
    results.extend(_interpret(validation, bound, frame, verdicts))
    return results, index_path


def bh_checked_values(rows: pd.DataFrame, rule: Rule) -> pd.Series:
    """A `proportion` rule with `fdr`: per day, Benjamini-Hochberg over the
    one-sided p-values of that day's rows (features x segments x versions);
    a rejected row keeps its value (outside the bound), the others are
    moved into the range. A row without a p-value (no sample) is NaN."""
    values = rows["metric_value"].astype(float)
    n = rows["sample_size"].astype(float).fillna(0)
    pvalues = pd.Series(share_pvalues(values.to_numpy(), n.to_numpy(), rule.min, rule.max),
                        index=rows.index)  # fmt: skip
    inside = values.copy()
    if rule.min is not None:
        inside = inside.clip(lower=rule.min)
    if rule.max is not None:
        inside = inside.clip(upper=rule.max)
    checked = inside.where(pvalues.notna())
    for _, day in pvalues.groupby(rows["metric_date"]):
        day = day.dropna()
        rejected, _ = benjamini_hochberg(day.to_numpy(), rule.fdr)
        checked.loc[day.index[rejected]] = values.loc[day.index[rejected]]
    return checked


def with_base_rate(rows: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """`rows` with the same slice-day's base_rate (positives among labeled
    predictions), the class split an AUC interval needs; index kept."""
    keys = ["metric_date", "model_name", "model_version", "segment"]
    rates = metrics.loc[metrics["metric_name"] == "base_rate", [*keys, "metric_value"]]
    # metrics_daily's key is unique, so a left merge keeps every row once, in order
    merged = rows.drop(columns="base_rate", errors="ignore").merge(
        rates.rename(columns={"metric_value": "base_rate"}), how="left", on=keys
    )
    merged.index = rows.index
    return merged


def checked_values(rows: pd.DataFrame, rule: Rule, wilson_z: float) -> pd.Series:
    """The value GE bounds: the metric itself, or for a `proportion` rule the
    point of its Wilson interval nearest the allowed range (so only a whole
    interval outside the bound breaches)."""
    values = rows["metric_value"].astype(float)
    if rule.sampling_error == "hanley_mcneil":
        n = rows["sample_size"].astype(float).fillna(0).to_numpy()
        positives = np.round(rows["base_rate"].astype(float).to_numpy() * n)
        low, high = hanley_mcneil_interval(values.to_numpy(), positives, n - positives, wilson_z)
        checked = nearest_in_interval(values.to_numpy(), low, high, rule.min, rule.max)
        return pd.Series(checked, index=rows.index)
    if not rule.proportion:
        return values
    if rule.fdr is not None:
        return bh_checked_values(rows, rule)
    n = rows["sample_size"].astype(float).fillna(0).to_numpy()
    checked = wilson_checked_value(values.to_numpy(), n, rule.min, rule.max, wilson_z)
    return pd.Series(checked, index=rows.index)


def _not_evaluated(rule: Rule, model: str, skipped: pd.DataFrame) -> CheckResult:
    reasons = skipped["reason"].value_counts().to_dict()
    days = sorted(skipped["metric_date"].astype(str).unique())
    why = "; ".join(f"{n} × {reason}" for reason, n in reasons.items())
    # Per slice (version, segment, feature), which days and why: JUnit XML
    # shows each rule x slice as its own case.
    slices = [
        [str(v), str(s), str(f), "; ".join(f"{d}: {r}" for d, r in zip(
            group["metric_date"].astype(str), group["reason"], strict=True))]
        for (v, s, f), group in skipped.groupby(
            ["model_version", "segment", "feature_name"], sort=True, dropna=False
        )
    ]  # fmt: skip
    return _rule_not_evaluated(
        rule,
        model,
        f"{len(skipped)} row(s) not evaluated ({why})",
        details={"days": days, "reasons": reasons, "rows": len(skipped), "slices": slices},
    )


def _rule_not_evaluated(rule: Rule, model: str, why: str, **fields) -> CheckResult:
    """A rule (on one model) that could not be evaluated, and why."""
    fields["details"] = {"rule_id": rule.rule_id, **fields.get("details", {})}
    return CheckResult.not_evaluated(
        "threshold",
        rule.severity,
        f"{rule.describe()}: {why}",
        model=model,
        metric=rule.checked_metric,
        bound=rule.bound_text(),
        **{**fields, "details": {"rule_id": rule.rule_id, **fields.get("details", {})}},
    )


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    for name in ("great_expectations", "great_expectations.core", "tqdm"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _run_checkpoint(frame: pd.DataFrame, bound: list[BoundCheck], docs_dir: Path, engine: Engine):
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        site_name="mpm",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    source = engine.add_ge_datasource(context, "warehouse")
    asset = source.add_dataframe_asset("metrics_daily")
    batch_definition = asset.add_batch_definition_whole_dataframe("metrics_daily_window")
    definitions = []
    for model in sorted({check.model for check in bound}):
        suite = gx.ExpectationSuite(name=f"thresholds.{suite_token(model)}")
        for check in (c for c in bound if c.model == model):
            rule = check.rule
            parser, condition = engine.ge_row_condition("check_id", check.check_id)
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column="checked_value",
                    min_value=rule.min,
                    max_value=rule.max,
                    row_condition=condition,
                    condition_parser=parser,
                    severity="critical" if rule.severity == "error" else "warning",
                    meta={
                        "check_id": check.check_id,
                        "rule_id": rule.rule_id,
                        "rule": rule.describe(),
                        "model": _text(model),
                    },
                    description=_text(
                        f"{rule.sentence(model, check.declared_in)} (check {check.check_id})"
                    ),
                    notes=f"Declared in {check.declared_in} as {rule.rule_id}: "
                    f"{rule.describe()} (severity {rule.severity}).",
                )
            )
        suite = context.suites.add(suite)
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=f"validate.{suite_token(model)}", data=batch_definition, suite=suite
                )
            )
        )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="nightly",
            validation_definitions=definitions,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["mpm"])],
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": ["check_id", *KEY],
            },
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": engine.ge_frame(frame)})
    pages = {}
    for identifier, validation in result.run_results.items():
        urls = context.get_docs_sites_urls(resource_identifier=identifier, site_name="mpm")
        page = ((urls[0]["site_url"] if urls else "") or "").removeprefix("file://")
        for expectation_result in validation.results:
            info = expectation_result.exception_info or {}
            pages[expectation_result.expectation_config.meta["check_id"]] = {
                "unexpected": expectation_result.result.get("unexpected_index_list") or [],
                "exception": info.get("exception_message", "")
                if info.get("raised_exception")
                else None,
                "page": page,
            }
    return pages, str(docs_dir / "index.html")


class Runner:
    """Where the checkpoint runs: in this process (`InProcess`), or in a
    process forked when the run starts (`Forked`), which imports Great
    Expectations (seconds of a small warehouse's run) on the second core
    while dbt builds on the first. The engine says which it can use: a
    pandas frame crosses processes, a Spark DataFrame does not."""

    @staticmethod
    def start(engine: Engine) -> Runner:
        """Call before any thread starts (a fork copies only the caller)."""
        if engine.ge_frames_portable:
            try:
                return Forked(engine)
            except OSError:  # no fork here: run it in this process
                pass
        return InProcess(engine)

    def run(self, frame: pd.DataFrame, bound: list[BoundCheck], docs_dir: Path):
        raise NotImplementedError

    def close(self) -> None:
        pass


class InProcess(Runner):
    def __init__(self, engine: Engine):
        self.engine = engine

    def run(self, frame: pd.DataFrame, bound: list[BoundCheck], docs_dir: Path):
        return _run_checkpoint(frame, bound, docs_dir, self.engine)


class Forked(Runner):
    def __init__(self, engine: Engine):
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, engine), daemon=True)
        self.process.start()
        child.close()

    def run(self, frame: pd.DataFrame, bound: list[BoundCheck], docs_dir: Path):
        try:
            self.connection.send((frame, bound, docs_dir))
            ok, payload = self.connection.recv()
        except (EOFError, OSError) as exc:
            raise RuntimeError(f"the Great Expectations process ended: {exc}") from exc
        if not ok:
            raise RuntimeError(payload)
        return payload

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.connection.close()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


def _serve(connection, engine: Engine) -> None:
    """The forked process: import Great Expectations now, then run the one
    checkpoint it is sent (None: the run ended without one). Ctrl-C is the
    parent's to handle: it closes this process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _quiet_gx()
    import great_expectations  # noqa: F401  (the point: paid before it is needed)

    try:
        job = connection.recv()
    except EOFError:
        return
    if job is None:
        return
    frame, bound, docs_dir = job
    try:
        connection.send((True, _run_checkpoint(frame, bound, docs_dir, engine)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        connection.send((False, f"{type(exc).__name__}: {exc}"))


def suite_token(model: str) -> str:
    """A model name as a suite (and Data Docs file) name: the name itself
    when it is plain (letters, digits, _ and -) and short; otherwise its
    plain characters, cut, and a digest of the whole name after a '.'
    that no plain name holds. Same name, same token; different names,
    different tokens (`spam filter` and `spam_filter` get two suites)."""
    if len(model) <= _TOKEN_LENGTH and all(ch.isalnum() or ch in "_-" for ch in model):
        return model
    plain = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in model)
    digest = hashlib.sha256(model.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{plain[:_TOKEN_LENGTH]}.{digest}"


def _interpret(
    pages: dict, bound: list[BoundCheck], frame: pd.DataFrame, verdicts: list[pd.DataFrame]
) -> list[CheckResult]:
    results = []
    for check in bound:
        rule = check.rule
        outcome = pages[check.check_id]
        page, unexpected = outcome["page"], outcome["unexpected"]
        rows = frame[frame["check_id"] == check.check_id]
        if outcome["exception"] is not None:
            why = f"Great Expectations could not evaluate it: {outcome['exception']}"
            results.append(_rule_not_evaluated(rule, check.model, why, docs_path=page))
            verdicts.append(_verdict_rows(rows, rule, "not_evaluated"))
            continue
        # GE saw escaped keys; the results keep the values as they are.
        breached = {tuple(str(u[k]) for k in KEY) for u in unexpected}
        is_breached = [
            tuple(_text(getattr(row, k)) for k in KEY) in breached
            for row in rows.itertuples(index=False)
        ]
        verdicts.append(_verdict_rows(rows, rule, ["breach" if b else "pass" for b in is_breached]))
        for row in rows.itertuples(index=False):
            key = tuple(_text(getattr(row, k)) for k in KEY)
            if key not in breached:
                continue
            wilson = (
                f" (Wilson bound {row.checked_value:.4g} on n={row.sample_size:.0f})"
                if rule.proportion
                else ""
            )
            results.append(
                CheckResult(
                    check="threshold",
                    status=Status.BREACHED,
                    severity=rule.severity,
                    message=(
                        f"{rule.describe()}: {row.metric_value:.6g}{wilson} on {row.metric_date}"
                    ),
                    model=row.model_name,
                    model_version=row.model_version,
                    segment=row.segment,
                    metric_date=str(row.metric_date),
                    metric=row.metric_name,
                    feature=row.feature_name,
                    value=float(row.metric_value),
                    bound=rule.bound_text(),
                    sample_size=int(row.sample_size) if pd.notna(row.sample_size) else None,
                    docs_path=page,
                    details={"rule_id": rule.rule_id},
                )
            )
        passed_rows = len(rows) - len(breached)
        # The slices that held on every evaluated day: JUnit XML gives each
        # rule x slice its own test case, and a pass is a case too.
        breached_slices = {(u[2], u[3], u[5]) for u in breached}
        slices = sorted(
            {
                (str(v), str(s), str(f))
                for v, s, f in zip(
                    rows["model_version"], rows["segment"], rows["feature_name"], strict=True
                )
                if (_text(v), _text(s), _text(f)) not in breached_slices
            }
        )
        if passed_rows:
            results.append(
                CheckResult(
                    check="threshold",
                    status=Status.PASSED,
                    severity=rule.severity,
                    message=f"{rule.describe()}: {passed_rows} row(s) within bounds",
                    model=check.model,
                    metric=rule.checked_metric,
                    bound=rule.bound_text(),
                    docs_path=page,
                    details={
                        "rows": passed_rows,
                        "rule_id": rule.rule_id,
                        "slices": [list(slice_) for slice_ in slices],
                    },
                )
            )
    return results
