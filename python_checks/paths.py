"""Where things live. The project root is the folder holding dbt_project.yml;
the warehouse comes from WAREHOUSE_PATH, reports from MPM_REPORTS_DIR, and a
warehouse's configuration (thresholds.yml, links.yml) from its config folder
(config_dir: the one place that folder is resolved)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_WAREHOUSE = PROJECT_ROOT / ".warehouse" / "demo.duckdb"
DBT_PROJECT_FILE = PROJECT_ROOT / "dbt_project.yml"

# The demo's configuration is an example for the demo's four models: its
# own folder under expectations/ (the Great Expectations suites are built
# from it), not where a user's project would look (default_config_dir).
DEMO_CONFIG_DIR = PROJECT_ROOT / "expectations" / "demo"
THRESHOLDS_NAME = "thresholds.yml"
LINKS_NAME = "links.yml"
# The loaders' defaults (tests and library callers that mean the demo).
THRESHOLDS_FILE = DEMO_CONFIG_DIR / THRESHOLDS_NAME
LINKS_FILE = DEMO_CONFIG_DIR / LINKS_NAME
CONFIG_DIR_ENV = "MPM_CONFIG_DIR"
ALERTS_NAME = "alerts.yml"
ALERTS_FILE = DEMO_CONFIG_DIR / ALERTS_NAME


def warehouse_path() -> Path:
    """The DuckDB file named by WAREHOUSE_PATH, else the demo warehouse."""
    value = os.environ.get("WAREHOUSE_PATH")
    return Path(value).expanduser().resolve() if value else DEMO_WAREHOUSE


def default_config_dir(warehouse: Path) -> Path:
    """A warehouse's own config folder when neither --config-dir nor
    MPM_CONFIG_DIR names one: `<stem>.mpm/` beside the warehouse file
    (/data/wh.duckdb -> /data/wh.mpm/), so two warehouses in one folder do
    not share bounds learned from one of them. The demo warehouse's is the
    demo's config."""
    warehouse = Path(warehouse).expanduser().resolve()
    if warehouse == DEMO_WAREHOUSE:
        return DEMO_CONFIG_DIR
    return warehouse.with_name(f"{warehouse.stem}.mpm")


def config_dir(warehouse: Path, flag: Path | None = None) -> Path:
    """The config folder of a run: --config-dir, else MPM_CONFIG_DIR, else
    default_config_dir(warehouse)."""
    if flag is not None:
        return Path(flag).expanduser().resolve()
    value = os.environ.get(CONFIG_DIR_ENV)
    if value:
        return Path(value).expanduser().resolve()
    return default_config_dir(warehouse)


def reports_dir() -> Path:
    """Where a run writes Data Docs, the HTML report and dbt artifacts."""
    value = os.environ.get("MPM_REPORTS_DIR")
    return Path(value).expanduser().resolve() if value else PROJECT_ROOT / "reports"
