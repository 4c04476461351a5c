"""Checks that SQL and Great Expectations express badly. Each takes a
CheckContext and returns a list of CheckResult; the registry below is the
one list the pipeline runs."""

from python_checks.checks.base import CheckContext
from python_checks.checks.drift_fdr import drift_fdr
from python_checks.checks.reconciliation import reconcile_classification
from python_checks.checks.served_labels import served_label_consistency

REGISTRY = (
    reconcile_classification,
    served_label_consistency,
    drift_fdr,
)

__all__ = ["REGISTRY", "CheckContext"]
