"""Where things live. The project root is the folder holding dbt_project.yml;
the warehouse comes from WAREHOUSE_PATH, reports from MPM_REPORTS_DIR."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_WAREHOUSE = PROJECT_ROOT / ".warehouse" / "demo.duckdb"
THRESHOLDS_FILE = PROJECT_ROOT / "expectations" / "thresholds.yml"
DBT_PROJECT_FILE = PROJECT_ROOT / "dbt_project.yml"
LINKS_FILE = PROJECT_ROOT / "expectations" / "links.yml"
ALERTS_FILE = PROJECT_ROOT / "expectations" / "alerts.yml"


def warehouse_path() -> Path:
    """The DuckDB file named by WAREHOUSE_PATH, else the demo warehouse."""
    value = os.environ.get("WAREHOUSE_PATH")
    return Path(value).expanduser().resolve() if value else DEMO_WAREHOUSE


def reports_dir() -> Path:
    """Where a run writes Data Docs, the HTML report and dbt artifacts."""
    value = os.environ.get("MPM_REPORTS_DIR")
    return Path(value).expanduser().resolve() if value else PROJECT_ROOT / "reports"
