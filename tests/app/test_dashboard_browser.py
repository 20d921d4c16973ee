"""The dashboard in a real headless Chromium, served by uvicorn on a loopback port.

Debian's `chromium` and `chromium-driver` (scripts/test installs them); Selenium is given
the driver's path, so it never downloads one. Without them the test skips, except under
CI=true, where it fails. With REDFIX_SCREENSHOT_DIR set, the page's screenshot is also
written there: `REDFIX_SCREENSHOT_DIR=docs pytest tests/app/test_dashboard_browser.py`
renews docs/dashboard.png.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from bot.app.queue import JobQueue, build_huey
from bot.app.settings import ServiceConfig
from bot.app.store import JobState, SqliteStore
from bot.app.web import AppState, create_app
from bot.core.records import FixState
from connectors.records.sql import SqlRecords, database_url
from tests.app.dashboard_seed import seed

TOKEN = "operator-token-0123456789abcdef"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
HOW = "apt-get install chromium chromium-driver (scripts/test does)"
PNG = b"\x89PNG\r\n\x1a\n"


def _browser_or_skip() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return
    reason = f"{' and '.join(missing)} missing: {HOW}"
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, AppState]]:
    """The App's web service on real SQLite stores holding the seeded rows; its URL."""
    config = ServiceConfig(webhook_secret="browser-test-secret", data_dir=tmp_path,
                           operator_token=TOKEN)
    store = SqliteStore(config.store_path)
    records = SqlRecords(database_url({}, tmp_path))
    seed(store, records)
    state = AppState(config, store, JobQueue(build_huey(config), config), records=records)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(state), host="127.0.0.1", port=port,
                                           log_level="warning", ws="none", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", state
    server.should_exit = True
    thread.join(timeout=10)
    store.close()
    records.close()


@pytest.fixture
def browser() -> Iterator[object]:
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def statuses(driver, url: str) -> list[int]:
    """The HTTP statuses the browser received for `url` since the log was last read."""
    messages = [json.loads(entry["message"])["message"]
                for entry in driver.get_log("performance")]
    return [m["params"]["response"]["status"] for m in messages
            if m["method"] == "Network.responseReceived" and m["params"]["response"]["url"] == url]


def send_token_as_basic(driver) -> None:
    pair = base64.b64encode(f"operator:{TOKEN}".encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                           {"headers": {"Authorization": f"Basic {pair}"}})


def whole_page_png(driver) -> bytes:
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True, "clip": clip})
    return base64.b64decode(shot["data"])


def expected_figures(state: AppState) -> dict[str, str]:
    """The cards' figures, counted straight from the store and the records."""
    assert state.records is not None
    jobs = state.store.active_jobs()
    runs = state.records.runs()
    finished = [run for run in runs if run.status != "running"]
    fixes = state.records.fixes()
    closed = [fix for fix in fixes if fix.state is FixState.REJECTED]
    decided = [fix for fix in fixes if fix.state is not FixState.OPEN]
    minutes_to_pr = [(run.finished_at - run.started_at) / 60 for run in finished if run.pr_url]
    return {
        "jobs-queued": str(sum(job.state is JobState.QUEUED for job in jobs)),
        "jobs-running": str(sum(job.state is JobState.RUNNING for job in jobs)),
        "runs-finished": str(len(finished)),
        "fix-rate": f"{100 * sum(r.status == 'fixed' for r in finished) / len(finished):.0f}%",
        "false-fix-rate": f"{100 * len(closed) / len(decided):.0f}%",
        "open-pulls": str(len(fixes) - len(decided)),
        "time-to-pr": f"{statistics.median(minutes_to_pr):.0f} min",
    }


def test_the_dashboard_in_a_real_browser(service, browser, tmp_path):
    from selenium.webdriver.common.by import By

    url, state = service
    page = f"{url}/dashboard?period=day"
    browser.get(page)
    assert statuses(browser, page) == [401]  # no credentials: refused
    assert "octo/shop" not in browser.page_source
    browser.get_log("browser")  # the refusal's console entry is expected; start afresh

    send_token_as_basic(browser)
    browser.get(page)
    assert statuses(browser, page) == [200]
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []

    shown = {key: browser.find_element(By.ID, key).text for key in expected_figures(state)}
    assert shown == expected_figures(state) == {
        "jobs-queued": "2", "jobs-running": "1", "runs-finished": "7", "fix-rate": "57%",
        "false-fix-rate": "33%", "open-pulls": "2", "time-to-pr": "15 min"}
    assert len(browser.find_elements(By.CSS_SELECTOR, "#jobs tr[data-state]")) == 3
    at_cap = browser.find_elements(By.CSS_SELECTOR, "#caps tr[data-at-cap='true']")
    assert [row.get_attribute("data-repository") for row in at_cap] == ["octo/shop"]
    links = browser.find_elements(By.CSS_SELECTOR, "#outcomes a")
    assert sorted(a.get_attribute("href") for a in links) == sorted(
        run.pr_url for run in state.records.runs() if run.pr_url)

    def days(runs) -> int:
        return len({time.strftime("%Y-%m-%d", time.gmtime(run.started_at)) for run in runs})

    runs = state.records.runs()
    for chart, bars in (("chart-fix-rate", days(r for r in runs if r.status != "running")),
                        ("chart-false-fix-rate", 1),  # the pull requests opened on one day
                        ("chart-time-to-pr", days(r for r in runs if r.pr_url))):
        svg = browser.find_element(By.ID, chart)
        assert svg.is_displayed() and svg.size["width"] > 300 and svg.size["height"] > 100
        drawn = svg.find_elements(By.CSS_SELECTOR, "rect.bar")
        assert len(drawn) == bars
        for bar in drawn:  # a day of only unfixed runs draws a 0 % bar: no height
            value = float(re.match(r"[\d.]+", bar.get_attribute("data-value") or "")[0])
            assert (bar.size["height"] > 0) == (value > 0), bar.get_attribute("data-value")
        assert any(bar.size["height"] > 0 for bar in drawn)

    screenshot = whole_page_png(browser)
    assert screenshot.startswith(PNG) and len(screenshot) > 20_000
    for folder in (tmp_path, Path(os.environ.get("REDFIX_SCREENSHOT_DIR", tmp_path))):
        (folder / "dashboard.png").write_bytes(screenshot)
