"""The night's checks, each returning CheckResults: the declared rules
through Great Expectations (thresholds.py), and the Python checks for what
SQL and GE express badly, each taking a CheckContext; the registry below is
the one list of Python checks the job runs."""

from python_checks.checks.consistency import cross_layer_consistency
from python_checks.checks.context import CheckContext
from python_checks.checks.drift_fdr import drift_fdr
from python_checks.checks.links import engagement_guardrails, metric_links
from python_checks.checks.reconciliation import reconcile_classification
from python_checks.checks.served_labels import served_label_consistency
from python_checks.checks.simpson import simpsons_paradox
from python_checks.checks.staleness import prediction_staleness

REGISTRY = (
    reconcile_classification,
    served_label_consistency,
    prediction_staleness,
    cross_layer_consistency,
    metric_links,
    engagement_guardrails,
    simpsons_paradox,
    drift_fdr,
)

__all__ = ["REGISTRY", "CheckContext"]
