"""What a run shows people: the static HTML report (<reports>/report.html,
build.py with sections.py, charts.py and templates/) and the terminal
summary (summary.py)."""

from python_checks.report.build import build_html, model_status, write_report
from python_checks.report.data import ReportInput

__all__ = ["ReportInput", "build_html", "model_status", "write_report"]
