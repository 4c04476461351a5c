"""What dbt says about each published metric: read from the manifest that
`dbt build` wrote, where the marts' YAML declares metric columns (layer,
sample-size column, whether the metric needs labels)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MetricInfo:
    name: str
    layer: str
    mart: str
    needs_labels: bool


def load_catalog(manifest_path: Path) -> dict[str, MetricInfo]:
    manifest = json.loads(manifest_path.read_text())
    catalog: dict[str, MetricInfo] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
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
