"""False-alarm control over the KS tests of one run: every `ks_pvalue` of
metrics_daily in the evaluation window (each model × feature × day with
enough rows) is one hypothesis test, and Benjamini-Hochberg at the declared
false discovery rate decides which are discoveries. With hundreds of tests a
raw p < 0.05 would page someone every night; BH keeps the expected share of
false discoveries at `fdr`, and with no real drift at all the chance of any
alarm at ≤ fdr.

A discovery is an error only when the shift is also material (KS statistic
≥ `min_ks_statistic`): with tens of thousands of rows a harmless shift is
significant too, and it is reported as a warning instead. The result always
says how many tests ran."""

from __future__ import annotations

import pandas as pd

from python_checks.checks.context import CheckContext
from python_checks.checks.thresholds import VERDICT_COLUMNS
from python_checks.results import CheckResult, Status
from python_checks.stats.intervals import benjamini_hochberg

CHECK = "drift_fdr"


def drift_fdr(ctx: CheckContext) -> list[CheckResult]:
    settings = ctx.settings.drift_fdr
    if settings is None:
        return [
            CheckResult(
                check=CHECK,
                status=Status.NOT_EVALUATED,
                severity="warn",
                message="checks.drift_fdr is not declared in the thresholds file: "
                "KS p-values were not tested",
            )
        ]
    severity, fdr = settings.severity, settings.fdr
    min_statistic, min_sample = settings.min_ks_statistic, settings.min_sample_size
    window_days = ctx.window_days
    tests = _ks_tests(ctx, min_sample)
    reject, cutoff = benjamini_hochberg(tests["pvalue"].to_numpy(), fdr)
    material = tests["statistic"].to_numpy() >= min_statistic
    n_material = int((reject & material).sum())
    summary = CheckResult(
        check=CHECK,
        status=Status.PASSED,
        severity=severity,
        message=(
            f"Benjamini-Hochberg over {len(tests)} KS tests (last {window_days} days, "
            f"n >= {min_sample}) at FDR {fdr:g}: {int(reject.sum())} discoveries "
            f"(p <= {cutoff:.3g}), {n_material} with KS statistic >= {min_statistic:g}"
        ),
        metric="ks_pvalue",
        details={
            "tests": len(tests),
            "discoveries": int(reject.sum()),
            "material": n_material,
            "fdr": fdr,
            "p_cutoff": cutoff,
        },
    )
    results = [summary]
    for row, is_material in zip(
        tests[reject].itertuples(index=False), material[reject], strict=True
    ):
        results.append(
            CheckResult(
                check=CHECK,
                status=Status.BREACHED,
                severity=severity if is_material else "warn",
                message=(
                    f"{row.model_name} {row.feature_name}: KS {row.statistic:.3g}, "
                    f"p {row.pvalue:.3g} on {pd.Timestamp(row.metric_date).date()}"
                ),
                model=row.model_name,
                model_version=row.model_version,
                segment=row.segment,
                metric_date=str(pd.Timestamp(row.metric_date).date()),
                metric="ks_pvalue",
                feature=row.feature_name,
                value=float(row.pvalue),
                bound=f"BH FDR {fdr:g}, KS >= {min_statistic:g}"
                if is_material
                else f"BH FDR {fdr:g}",
                sample_size=int(row.sample_size),
                details={"ks_statistic": float(row.statistic)},
            )
        )
    return results


_SLICE = ["metric_date", "model_name", "model_version", "segment", "feature_name"]


def discoveries(results: list[CheckResult]) -> pd.DataFrame:
    """The run's discoveries in the columns of dbt's
    drift_fdr_verdicts_daily (thresholds.VERDICT_COLUMNS), the verdict
    carrying the severity (`breach error`, `breach warn`), so both paths
    can be compared discovery by discovery."""
    rows = [
        {
            "rule_id": "fdr",
            "model_name": r.model,
            "model_version": r.model_version,
            "segment": r.segment,
            "metric_name": r.metric,
            "feature_name": r.feature,
            "metric_date": r.metric_date,
            "verdict": f"breach {r.severity}",
        }
        for r in results
        if r.check == CHECK and r.status == Status.BREACHED
    ]
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def tests_judged(results: list[CheckResult]) -> int | None:
    """How many KS tests the run's Benjamini-Hochberg judged (None: it did not run)."""
    return next(
        (r.details["tests"] for r in results if r.check == CHECK and "tests" in r.details), None
    )


def _ks_tests(ctx: CheckContext, min_sample: int) -> pd.DataFrame:
    """Every KS test of the evaluation window: its p-value, statistic and
    sample size, one row per (day, model, version, segment, feature)."""
    columns = [*_SLICE, "pvalue", "statistic", "sample_size"]
    start = ctx.window_start()
    if start is None:
        return pd.DataFrame(columns=columns)
    drift = ctx.metrics[(ctx.metrics["layer"] == "drift") & (ctx.metrics["metric_date"] >= start)]
    pvalues = drift[(drift["metric_name"] == "ks_pvalue") & drift["metric_value"].notna()]
    pvalues = pvalues[pvalues["sample_size"] >= min_sample]
    statistics = drift[drift["metric_name"] == "ks_statistic"][[*_SLICE, "metric_value"]]
    tests = pvalues.rename(columns={"metric_value": "pvalue"}).merge(
        statistics.rename(columns={"metric_value": "statistic"}), on=_SLICE, how="inner"
    )
    return tests[columns].sort_values(_SLICE).reset_index(drop=True)
