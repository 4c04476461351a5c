"""The optional registry tables of the contract (model_versions,
offline_metrics) for the demo. Only `stale_model` writes them: the other
scenarios show a warehouse without them, whose gap and staleness rules are
"not evaluated". Test-set values sit near the healthy online values, so the
gap starts small and opens as the world moves away from the training data.
"""

from __future__ import annotations

import pandas as pd

from .scenarios import World

# spam_filter's test-set results before release (healthy online: precision
# ~0.92, recall ~0.81, AUC ~0.96).
OFFLINE_SPAM = {"precision": 0.93, "recall": 0.82, "auc_roc": 0.965, "accuracy": 0.965}


def registry_frames(world: World) -> dict[str, pd.DataFrame]:
    """model_versions and offline_metrics, or {} for a scenario without them."""
    if world.scenario != "stale_model":
        return {}
    start = pd.Timestamp(world.start_date)
    canary = start + pd.Timedelta(days=world.canary)
    versions = pd.DataFrame(
        {
            "model_name": ["spam_filter", "spam_filter"],
            "model_version": ["v1", "v2"],
            # v1: trained 10 days before the window on data ending 3 days earlier
            "trained_at": [start - pd.Timedelta(hours=218), canary - pd.Timedelta(hours=20)],
            "training_data_end": [start - pd.Timedelta(days=13), canary - pd.Timedelta(days=2)],
        }
    )
    offline = pd.DataFrame(
        [
            ("spam_filter", version, name, value)
            for version in ("v1", "v2")
            for name, value in OFFLINE_SPAM.items()
        ],
        columns=["model_name", "model_version", "metric_name", "metric_value"],
    )
    return {"model_versions": versions, "offline_metrics": offline}
