"""The run's static HTML report (<reports>/report.html): see build.py."""

from python_checks.report.build import build_html, model_status, write_report
from python_checks.report.data import ReportInput, read_threshold_curve

__all__ = ["ReportInput", "build_html", "model_status", "read_threshold_curve", "write_report"]
