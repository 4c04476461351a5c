"""What dbt says about each published metric: read from the dbt manifest,
where the marts' YAML declares metric columns (layer, sample-size column,
whether the metric needs labels). Long marts, whose metric names are data
(e.g. `quarantined__<reason>`), declare the names or prefixes they publish
in model meta `published_metrics`. The metric catalog is declared there,
once; the checks and the report read it from here."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class MetricInfo:
    name: str
    layer: str
    mart: str
    needs_labels: bool
    # Optional source tables (contract section 1) the metric is computed
    # from: without them it has no rows, and its rules say so.
    requires: tuple[str, ...] = ()


class MetricCatalog(dict):
    """name -> MetricInfo; `get` also knows the names a long mart publishes by prefix."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefixes: dict[str, MetricInfo] = {}
        # Every metric name the project's marts define, on any target.
        self.known: set[str] = set(self)
        self.known_prefixes: set[str] = set()

    def defines(self, name: str) -> bool:
        """Whether some mart of the project (enabled here or not) defines it."""
        known = self.known or set(self)
        prefixes = self.known_prefixes or set(self.prefixes)
        return name in known or any(
            name.startswith(prefix) and len(name) > len(prefix) for prefix in prefixes
        )

    def get(self, name, default=None):
        found = super().get(name)
        if found is not None:
            return found
        for prefix, info in self.prefixes.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                return MetricInfo(
                    name=name,
                    layer=info.layer,
                    mart=info.mart,
                    needs_labels=info.needs_labels,
                    requires=info.requires,
                )
        return default


def load_catalog(manifest_path: Path) -> MetricCatalog:
    """The catalog from a manifest.json that dbt wrote."""
    return catalog_from_nodes(json.loads(manifest_path.read_text()).get("nodes", {}).values())


def catalog_from_manifest(manifest: Any) -> MetricCatalog:
    """The catalog from dbt's in-memory Manifest (no JSON round trip).
    `catalog.known` also holds the metrics of marts disabled on this target
    (generation on Spark): a rule may name them, they are not published."""
    catalog = catalog_from_nodes(
        node.to_dict() for node in manifest.nodes.values() if node.resource_type == "model"
    )
    disabled = catalog_from_nodes(
        node.to_dict()
        for nodes in manifest.disabled.values()
        for node in nodes
        if node.resource_type == "model"
    )
    catalog.known = {*catalog, *disabled}
    catalog.known_prefixes = {*catalog.prefixes, *disabled.prefixes}
    return catalog


def catalog_from_nodes(nodes: Iterable[dict]) -> MetricCatalog:
    catalog = MetricCatalog()
    for node in nodes:
        if node.get("resource_type") != "model":
            continue
        node_meta = node.get("meta") or node.get("config", {}).get("meta") or {}
        published = node_meta.get("published_metrics")
        if published:
            requires = tuple(published.get("requires_sources", []))
            labeled = set(published.get("needs_labels_prefixes", []))
            for name in published.get("names", []):
                catalog[name] = MetricInfo(name, published["layer"], node["name"], False, requires)
            for prefix in published.get("prefixes", []):
                catalog.prefixes[prefix] = MetricInfo(
                    prefix, published["layer"], node["name"], prefix in labeled, requires
                )
        for column in node.get("columns", {}).values():
            meta = column.get("meta") or column.get("config", {}).get("meta") or {}
            if "metric_layer" not in meta:
                continue
            name = meta.get("metric_name", column["name"])
            catalog[name] = MetricInfo(
                name=name,
                layer=meta["metric_layer"],
                mart=node["name"],
                needs_labels=bool(meta.get("needs_labels", False)),
            )
    return catalog
