"""The thresholds file (thresholds.yml in the config folder, paths.config_dir):
every bound of the nightly checks, their shared settings and the Python checks' tolerances,
each declared once. The defaults of every setting are the dataclass
defaults below and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from python_checks import paths
from python_checks.declare.validate import DeclarationFile

_RULE_KEYS = frozenset(
    {
        "model",
        "metric",
        "model_version",
        "segment",
        "feature",
        "min",
        "max",
        "severity",
        "min_sample_size",
        "min_label_coverage",
        "kind",
        "window",
        "reference_days",
        "k",
        "proportion",
        "persistence",
        "sampling_error",
        "fdr",
    }
)
_KINDS = ("static", "change", "band")
ALL = "__all__"


@dataclass(frozen=True)
class Rule:
    """One declared bound on one metric of metrics_daily."""

    rule_id: str
    model: str
    metric: str
    model_version: str = ALL
    segment: str = ALL
    feature: str = "*"
    min: float | None = None
    max: float | None = None
    severity: str = "error"
    min_sample_size: int = 0
    min_label_coverage: float = 0.0
    # static: bound the value itself. change: bound the relative change of the
    # mean over the last `window` days against the `window` days before (a
    # trend that a fixed floor misses). band: bound the z-score of the value
    # against the mean and standard deviation of the slice's first
    # `reference_days` days (its own normal noise).
    kind: str = "static"
    window: int = 7
    reference_days: int = 7
    # A proportion (precision, recall, CTR ...): the row breaches only when
    # its whole Wilson interval (from metric_value and sample_size, z from
    # settings.wilson_z) lies outside the bound, so a 20-row day whose point
    # estimate dips does not page anyone.
    proportion: bool = False
    # hanley_mcneil (auc_roc only): the row breaches only when its whole
    # Hanley-McNeil interval (AUC, its positives and negatives from the
    # slice's base_rate and sample size, z = settings.wilson_z) lies outside.
    sampling_error: str = "none"
    # Benjamini-Hochberg (a `proportion` rule over many slices, e.g.
    # segment "*"): each row's one-sided p-value against the bound, and a
    # row breaches only when BH at this false discovery rate rejects it
    # among the same day's rows of the rule and model (instead of Wilson).
    fdr: float | None = None
    # Persistence (k of n): a day breaches only when it is outside the bound
    # and so are at least k of the slice's last n evaluated days (itself
    # included), so one noisy day does not page anyone. 1 of 1: every day.
    persistence_k: int = 1
    persistence_n: int = 1

    @property
    def checked_metric(self) -> str:
        """The name of the series the bound applies to (derived for change/band)."""
        if self.kind == "change":
            return f"{self.metric}:change_{self.window}d"
        if self.kind == "band":
            return f"{self.metric}:z_vs_first_{self.reference_days}d"
        return self.metric

    def applies_to(self, model: str) -> bool:
        return self.model in ("*", model)

    def bound_text(self) -> str:
        if self.min is not None and self.max is not None:
            return f"[{self.min:g}, {self.max:g}]"
        return f">= {self.min:g}" if self.min is not None else f"<= {self.max:g}"

    def sentence(
        self, model: str, declared_in: str = "thresholds.yml", needs_labels: bool = False
    ) -> str:
        """The rule in words, for a reader who has not opened the config:
        what is bounded, on which slice, how, how badly a breach counts,
        and where it is declared."""
        if self.kind == "change":
            what = (
                f"the change of the {self.window}-day mean of {self.metric} against the "
                f"{self.window} days before (a relative change)"
            )
        elif self.kind == "band":
            what = (
                f"the z-score of {self.metric} against the mean and spread of its first "
                f"{self.reference_days} days"
            )
        else:
            what = self.metric
        scope = [
            _scope(self.model_version, "version", "versions"),
            _scope(self.segment, "segment", "segments"),
        ]
        if self.feature != "*":
            scope.append(f"feature {self.feature}")
        if self.min is not None and self.max is not None:
            bound = f"between {self.min:g} and {self.max:g}"
        elif self.min is not None:
            bound = f"at least {self.min:g}"
        else:
            bound = f"at most {self.max:g}"
        wilson = (
            ", breached only when its whole Wilson interval lies outside" if self.proportion else ""
        )
        if self.fdr is not None:
            wilson = (
                f", breached only when Benjamini-Hochberg at FDR {self.fdr:g} over the "
                "day's slices finds it below/above the bound"
            )
        if self.sampling_error == "hanley_mcneil":
            wilson += ", breached only when its whole Hanley-McNeil interval lies outside"
        if self.persistence_n > 1:
            wilson += (
                f", and only when at least {self.persistence_k} of the last "
                f"{self.persistence_n} days breach"
            )
        gates = f"days with fewer than {self.min_sample_size} rows are not evaluated"
        if needs_labels and self.min_label_coverage:
            gates += f", nor days with label coverage below {self.min_label_coverage:g}"
        number = int(self.rule_id[1:])
        return (
            f"{model}: {what} ({', '.join(scope)}) must be {bound}{wilson}. "
            f"Severity {self.severity}; {gates}. Declared in {declared_in}, rule {number}."
        )

    def describe(self) -> str:
        scope = []
        if self.model_version != ALL:
            scope.append(f"version {self.model_version}")
        if self.segment != ALL:
            scope.append(f"segment {self.segment}")
        if self.feature != "*":
            scope.append(f"feature {self.feature}")
        if self.proportion:
            scope.append("Wilson interval" if self.fdr is None else f"BH FDR {self.fdr:g}")
        if self.sampling_error == "hanley_mcneil":
            scope.append("Hanley-McNeil interval")
        if self.persistence_n > 1:
            scope.append(f"{self.persistence_k} of {self.persistence_n} days")
        where = f" ({', '.join(scope)})" if scope else ""
        return f"{self.model} {self.checked_metric}{where} {self.bound_text()}"


def _scope(value: str, one: str, many: str) -> str:
    if value == ALL:
        return f"all {many} together"
    if value == "*":
        return f"each {one} and all {many} together"
    return f"{one} {value}"


@dataclass(frozen=True)
class Settings:
    """What every rule shares unless it says otherwise."""

    # Days of metrics_daily the rules and the Python checks look at, ending
    # at its latest day.
    evaluation_window_days: int = field(default=14, metadata={"min": 1})
    min_sample_size: int = 0
    min_label_coverage: float = 0.0
    # z of the Wilson interval of `proportion: true` rules (1.96: 95%).
    wilson_z: float = 1.96


@dataclass(frozen=True)
class ReconciliationSettings:
    relative_tolerance: float = 1e-9
    severity: str = "error"


@dataclass(frozen=True)
class ServedLabelsSettings:
    """The bound itself is the served_label_consistency rule's."""

    severity: str = "error"


@dataclass(frozen=True)
class StalenessSettings:
    max_age_hours: float = 36.0
    severity: str = "error"


@dataclass(frozen=True)
class ConsistencySettings:
    impression_relative_tolerance: float = 0.01
    max_clicks_without_impression_share: float = 0.0
    max_misattributed_ticket_share: float = 0.0
    severity: str = "error"


@dataclass(frozen=True)
class DriftFdrSettings:
    fdr: float = 0.01
    min_ks_statistic: float = 0.2
    min_sample_size: int = 200
    severity: str = "error"


@dataclass(frozen=True)
class CheckSettings:
    """The Python checks' tolerances (thresholds.yml `checks:`)."""

    reconciliation: ReconciliationSettings = field(default_factory=ReconciliationSettings)
    served_labels: ServedLabelsSettings = field(default_factory=ServedLabelsSettings)
    staleness: StalenessSettings = field(default_factory=StalenessSettings)
    consistency: ConsistencySettings = field(default_factory=ConsistencySettings)
    # Not declared: the KS p-values are not tested, and the run says so.
    drift_fdr: DriftFdrSettings | None = None


# Keys an earlier version read, and where their meaning went.
_RETIRED = {
    ("checks.served_labels", "max_contradiction_share"): "the served_label_consistency rule "
    "(rules:) is the one bound of served labels now; delete this key",
}

_CHECK_TYPES = {
    "reconciliation": ReconciliationSettings,
    "served_labels": ServedLabelsSettings,
    "staleness": StalenessSettings,
    "consistency": ConsistencySettings,
    "drift_fdr": DriftFdrSettings,
}


@dataclass(frozen=True)
class Thresholds:
    rules: tuple[Rule, ...]
    settings: Settings = field(default_factory=Settings)
    checks: CheckSettings = field(default_factory=CheckSettings)
    path: Path | None = None

    def rules_for(self, metric: str, model: str) -> list[Rule]:
        return [r for r in self.rules if r.metric == metric and r.applies_to(model)]


def _typed(file: DeclarationFile, cls: type, raw: dict, what: str) -> Any:
    """A settings dataclass from a mapping: known keys only, each of the
    default's type (numbers finite, severities warn/error)."""
    raw = file.mapping(raw, what)
    for key in raw:
        if (what, key) in _RETIRED:
            raise file.error(f"{what}.{key} is no longer read: {_RETIRED[(what, key)]}")
    allowed = {f.name for f in fields(cls)}
    file.known_keys(raw, allowed, what)
    values = {}
    for f in fields(cls):
        if f.name not in raw:
            continue
        value = raw[f.name]
        if f.name == "severity":
            values[f.name] = file.severity(value, what)
        elif f.type in ("int", int):
            values[f.name] = file.whole(value, f"{what}.{f.name}", f.metadata.get("min", 0))
        else:
            values[f.name] = file.number(value, f"{what}.{f.name}")
    return cls(**values)


def load_thresholds(path: Path | None = None) -> Thresholds:
    """The thresholds file (default: the demo's, paths.THRESHOLDS_FILE)."""
    path = path or paths.THRESHOLDS_FILE
    file = DeclarationFile(path)
    raw = file.load()
    file.known_keys(raw, {"settings", "rules", "checks"}, "the file")
    settings = _typed(file, Settings, raw.get("settings"), "settings")
    file.share(settings.min_label_coverage, "settings.min_label_coverage")
    if settings.wilson_z <= 0:
        raise file.error("settings.wilson_z must be positive")
    declared_checks = file.mapping(raw.get("checks"), "checks")
    file.known_keys(declared_checks, set(_CHECK_TYPES), "checks")
    checks = CheckSettings(
        **{
            name: _typed(file, _CHECK_TYPES[name], value, f"checks.{name}")
            for name, value in declared_checks.items()
        }
    )
    rules = raw.get("rules") or []
    if not isinstance(rules, list):
        raise file.error("rules must be a list")
    return Thresholds(
        rules=tuple(_rule(file, index, entry, settings) for index, entry in enumerate(rules, 1)),
        settings=settings,
        checks=checks,
        path=path,
    )


def _rule(file: DeclarationFile, index: int, entry: Any, settings: Settings) -> Rule:
    where = f"rule {index}"
    if not isinstance(entry, dict):
        raise file.error(f"{where} is not a mapping")
    file.known_keys(entry, _RULE_KEYS, where)
    for key in ("model", "metric"):
        if key not in entry:
            raise file.error(f"{where} has no {key}")
    model = file.name(entry["model"], f"{where}: model")
    metric = file.name(entry["metric"], f"{where}: metric", allow_star=False)
    where = f"rule {index} ({model} {metric})"
    severity = file.severity(entry.get("severity", "error"), where)
    kind = entry.get("kind", "static")
    if kind not in _KINDS:
        raise file.error(f"{where}: kind must be one of {', '.join(_KINDS)}")
    window = file.whole(entry.get("window", 7), f"{where}: window", 1, 366)
    reference_days = file.whole(entry.get("reference_days", 7), f"{where}: reference_days", 1, 366)
    low = file.number(entry.get("min"), f"{where}: min")
    high = file.number(entry.get("max"), f"{where}: max")
    k = file.number(entry.get("k"), f"{where}: k")
    if k is not None:
        # band shorthand: reference mean ± k·σ of the metric's own daily values
        if kind != "band" or k <= 0 or low is not None or high is not None:
            raise file.error(f"{where}: k needs kind band, a positive value and no min/max")
        low, high = -k, k
    proportion = entry.get("proportion", False)
    if not isinstance(proportion, bool) or (proportion and kind != "static"):
        raise file.error(f"{where}: proportion must be true/false on a static rule")
    sampling_error = entry.get("sampling_error", "none")
    if sampling_error not in ("none", "hanley_mcneil"):
        raise file.error(f"{where}: sampling_error must be none or hanley_mcneil")
    if sampling_error == "hanley_mcneil" and (
        metric != "auc_roc" or kind != "static" or proportion
    ):
        raise file.error(
            f"{where}: sampling_error hanley_mcneil bounds auc_roc on a static rule "
            "(proportion: true is the Wilson interval of a share)"
        )
    fdr = file.number(entry.get("fdr"), f"{where}: fdr")
    if fdr is not None and (not proportion or not 0 < fdr < 1):
        raise file.error(f"{where}: fdr needs proportion: true and a rate between 0 and 1")
    persistence = file.mapping(entry.get("persistence"), f"{where}: persistence")
    file.known_keys(persistence, {"k", "n"}, f"{where}: persistence")
    persist_n = file.whole(persistence.get("n", 1), f"{where}: persistence.n", 1, 60)
    persist_k = file.whole(persistence.get("k", persist_n), f"{where}: persistence.k", 1, 60)
    if persist_k > persist_n:
        raise file.error(f"{where}: persistence.k {persist_k} is above n {persist_n}")
    if low is None and high is None:
        raise file.error(f"{where} has neither min nor max")
    if low is not None and high is not None and low > high:
        raise file.error(f"{where}: min {low:g} is above max {high:g}, so no value can pass")
    min_sample_size = file.whole(
        entry.get("min_sample_size", settings.min_sample_size), f"{where}: min_sample_size"
    )
    coverage = file.share(
        entry.get("min_label_coverage", settings.min_label_coverage),
        f"{where}: min_label_coverage",
    )
    return Rule(
        rule_id=f"r{index:03d}",
        model=model,
        metric=metric,
        model_version=file.name(entry.get("model_version", ALL), f"{where}: model_version"),
        segment=file.name(entry.get("segment", ALL), f"{where}: segment"),
        feature=file.name(entry.get("feature", "*"), f"{where}: feature"),
        min=low,
        max=high,
        severity=severity,
        min_sample_size=min_sample_size,
        min_label_coverage=coverage,
        kind=kind,
        window=window,
        reference_days=reference_days,
        proportion=proportion,
        sampling_error=sampling_error,
        fdr=fdr,
        persistence_k=persist_k,
        persistence_n=persist_n,
    )
