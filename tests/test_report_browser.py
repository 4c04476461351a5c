"""The report and the Data Docs in a real browser: generate the
precision_drop scenario, run the nightly job, open report.html in headless
Chromium (Debian's chromium and chromium-driver, `make install-browser`)
and check that every chart was drawn by Vega (an SVG of non-zero size), that
the console has no error, that the failing check (spam_filter v3 precision)
is on the page and that the link flags and the drift verdict strip are
drawn; then open the Data Docs index and the failing validation page with
every network request blocked. The screenshots are left as CI artifacts:
<reports>/report.png, data_docs_index.png and data_docs_validation.png,
where reports is MPM_BROWSER_ARTIFACTS when set (.ci/run sets it), else a
temp folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from python_checks.cli import main

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="module")
def precision_drop_report(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("browser")
    artifacts = os.environ.get("MPM_BROWSER_ARTIFACTS")
    reports = Path(artifacts).resolve() if artifacts else base / "reports"
    code = main(
        [
            "demo",
            "--scenario",
            "precision_drop",
            "--warehouse",
            str(base / "precision_drop.duckdb"),
            "--reports",
            str(reports),
            "--quiet",
        ]
    )
    assert code == 1, "precision_drop must fail the night"
    report = reports / "report.html"
    assert report.exists()
    return report


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("chromium/chromedriver missing: run `make install-browser`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mpm-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_report_renders_charts_and_shows_the_failing_check(precision_drop_report, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    size = precision_drop_report.stat().st_size
    print(f"report.html: {size} bytes")
    assert size < 1_500_000, "the report embeds no raw rows (0.5 MB of it is the Vega runtime)"

    browser.get(precision_drop_report.as_uri())
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script(
            "var s = window.mpmCharts; return s && s.rendered + s.failed === s.total;"
        )
    )
    state = browser.execute_script("return window.mpmCharts;")
    assert state["failed"] == 0, state
    assert state["total"] >= 3, state  # both layers' grid, data quality, threshold curve
    charts = browser.find_elements(By.CSS_SELECTOR, "div.chart[data-spec]")
    assert len(charts) == state["total"]
    for chart in charts:
        svg = chart.find_element(By.TAG_NAME, "svg")
        assert svg.size["width"] > 50 and svg.size["height"] > 50, chart.get_attribute("data-spec")
        # Vega drew marks, not just an empty canvas.
        assert svg.find_elements(By.CSS_SELECTOR, "path, rect, line")

    # The link verdicts (from the link CheckResults) and the drift verdict
    # strip are drawn: the spam link's row, the verdict legends.
    flags = browser.find_elements(
        By.CSS_SELECTOR, 'div.chart[data-caption="divergence flags of the links"]'
    )
    flag_text = " ".join(f.text for f in flags)
    assert "spam_filter precision → __product__ support_tickets_per_1k_users_false_block" in (
        flag_text
    ), flag_text
    assert "regressed together" in flag_text
    drift = browser.find_elements(By.CSS_SELECTOR, 'div.chart[data-caption*="drift verdict"]')
    assert drift and all("concept_drift" in d.text for d in drift)

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors

    rows = [
        row
        for row in browser.find_elements(By.CSS_SELECTOR, "tr.failing-check")
        if row.is_displayed()
    ]
    cells = [[c.text for c in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    assert any(
        "spam_filter" in c and "v3" in c and "precision" in c and "error" in c for c in cells
    ), cells
    overview = browser.find_element(By.ID, "overview").text
    assert "spam_filter" in overview and "error" in overview
    # The failing check links to its Data Docs page and to the dbt model.
    v3 = rows[[i for i, c in enumerate(cells) if "v3" in c and "precision" in c][0]]
    hrefs = [a.get_attribute("href") for a in v3.find_elements(By.TAG_NAME, "a")]
    assert any("data_docs" in h for h in hrefs), hrefs
    assert any("model.ml_product_metrics.classification_metrics_daily" in h for h in hrefs), hrefs

    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(1400, min(int(height) + 40, 12000))
    screenshot = precision_drop_report.parent / "report.png"
    assert browser.save_screenshot(str(screenshot))
    print(f"screenshot: {screenshot}")


def _offline(browser) -> None:
    """Block every http(s) request, as a warehouse network without internet
    access would: whatever a page still loads from the web fails, loudly."""
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})


def _severe(browser) -> list[dict]:
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _screenshot(browser, path: Path) -> None:
    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(1400, min(int(height) + 40, 6000))
    assert browser.save_screenshot(str(path))
    print(f"screenshot: {path}")


def test_data_docs_read_offline(precision_drop_report, browser):
    """Data Docs with the network off: the index lists the run's suites, the
    failing validation page is styled and says which rule failed in words."""
    import json

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    reports = precision_drop_report.parent
    _offline(browser)
    browser.get_log("browser")  # start from a clean console
    browser.get((reports / "data_docs" / "index.html").as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "table tbody tr td a")
    )
    listed = browser.find_element(By.TAG_NAME, "body").text
    for suite in ("thresholds.spam_filter", "thresholds.home_feed", "thresholds.price_estimator"):
        assert suite in listed, listed[:2000]
    font = browser.execute_script("return getComputedStyle(document.body).fontFamily;")
    assert "apple-system" in font, font  # bootstrap's font stack, not the browser default
    assert _severe(browser) == []
    _screenshot(browser, reports / "data_docs_index.png")

    results = json.loads((reports / "run_results.json").read_text())["results"]
    page = next(
        r["docs_path"]
        for r in results
        if r["check"] == "threshold"
        and r["status"] == "breached"
        and r["model"] == "spam_filter"
        and r["metric"] == "precision"
    )
    browser.get(Path(page).as_uri())
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table"))
    text = browser.find_element(By.TAG_NAME, "body").text
    assert (
        "spam_filter: precision (each version and all versions together, all segments "
        "together) must be at least 0.8. Severity error" in text
    ), text[:3000]
    assert "Declared in thresholds.yml, rule 1." in text
    # Bootstrap's styles applied: its font stack, and a card's border.
    card = browser.find_element(By.CSS_SELECTOR, ".card")
    style = browser.execute_script(
        "var c = getComputedStyle(arguments[0]); return [c.fontFamily, c.borderTopWidth];", card
    )
    assert "apple-system" in style[0] and style[1] == "1px", style
    assert _severe(browser) == []
    _screenshot(browser, reports / "data_docs_validation.png")
