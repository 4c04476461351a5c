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

from python_checks.checks.base import CheckContext
from python_checks.results import CheckResult, Status
from python_checks.stats import benjamini_hochberg

CHECK = "drift_fdr"


def drift_fdr(ctx: CheckContext) -> list[CheckResult]:
    if CHECK not in ctx.thresholds.checks:
        return [
            CheckResult(
                check=CHECK,
                status=Status.NOT_EVALUATED,
                severity="warn",
                message="checks.drift_fdr is not declared in the thresholds file: "
                "KS p-values were not tested",
            )
        ]
    severity = ctx.setting(CHECK, "severity")
    fdr = float(ctx.setting(CHECK, "fdr"))
    min_statistic = float(ctx.setting(CHECK, "min_ks_statistic"))
    min_sample = int(ctx.setting(CHECK, "min_sample_size"))
    window_days = int(ctx.thresholds.settings.get("evaluation_window_days", 14))
    if not ctx.table_exists("main", "metrics_daily"):
        return [
            CheckResult(
                check=CHECK,
                status=Status.NOT_EVALUATED,
                severity=severity,
                message="main.metrics_daily does not exist",
            )
        ]
    tests = ctx.con.execute(
        """
        with drift as (
            select * from main.metrics_daily
            where layer = 'drift' and metric_name in ('ks_pvalue', 'ks_statistic')
        ),
        window_start as (
            select max(metric_date) - cast(? as integer) + 1 as first_day from main.metrics_daily
        )
        select
            p.metric_date, p.model_name, p.model_version, p.segment, p.feature_name,
            p.metric_value as pvalue, s.metric_value as statistic, p.sample_size
        from drift as p
        join drift as s
            on p.metric_date = s.metric_date and p.model_name = s.model_name
            and p.model_version = s.model_version and p.segment = s.segment
            and p.feature_name = s.feature_name and s.metric_name = 'ks_statistic'
        cross join window_start
        where p.metric_name = 'ks_pvalue' and p.metric_value is not null
            and p.sample_size >= ? and p.metric_date >= window_start.first_day
        order by p.metric_date, p.model_name, p.model_version, p.segment, p.feature_name
        """,
        [window_days, min_sample],
    ).df()
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
