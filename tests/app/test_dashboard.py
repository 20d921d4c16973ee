"""GET /dashboard in process: who may see it, and that it shows what the records hold.

The browser's view of the same page is tests/app/test_dashboard_browser.py."""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from bot.app.settings import ServiceConfig
from bot.app.web import create_app
from bot.core.records import JobRun
from connectors.records.sql import SqlRecords, database_url
from tests.app.dashboard_seed import API, SHOP, seed
from tests.app.test_app import SECRET, app_state  # noqa: F401

TOKEN = "operator-token-0123456789abcdef"


def basic(user: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


BEARER = {"Authorization": f"Bearer {TOKEN}"}


class Page(HTMLParser):
    """The text of each element with an id, and the attributes of every element."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.elements: list[tuple[str, dict[str, str], str]] = []  # tag, attributes, in svg
        self._open: list[tuple[str, str]] = []  # (tag, id) of the elements being read
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = {name: value or "" for name, value in attrs}
        svg = next((i for t, i in reversed(self._open) if t == "svg"), "")
        self.elements.append((tag, found, svg))
        if tag not in ("meta", "link", "line", "rect", "br"):
            self._open.append((tag, found.get("id", "")))
            if found.get("id"):
                self.text[found["id"]] = ""

    def handle_endtag(self, tag):
        if any(open_tag == tag for open_tag, _ in self._open):
            while self._open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        for _, element_id in self._open:
            if element_id:
                self.text[element_id] += data

    def rows(self, marked: str) -> list[dict[str, str]]:
        """The attributes of the table rows that carry the attribute `marked`."""
        return [attrs for tag, attrs, _ in self.elements if tag == "tr" and marked in attrs]

    def bars(self, chart: str) -> list[dict[str, str]]:
        return [attrs for tag, attrs, svg in self.elements
                if tag == "rect" and svg == chart and "bar" in attrs.get("class", "")]


@pytest.fixture
def serve(app_state, tmp_path):  # noqa: F811
    records = SqlRecords(database_url({}, tmp_path))

    def start(token: str = TOKEN) -> TestClient:
        app_state.config = ServiceConfig(webhook_secret=SECRET, data_dir=tmp_path,
                                         operator_token=token)
        app_state.records = records
        return TestClient(create_app(app_state))

    start.records = records
    yield start
    records.close()


@pytest.fixture
def seeded(serve, app_state):  # noqa: F811
    return seed(app_state.store, serve.records)


def test_the_dashboard_is_closed_without_a_configured_token(serve, seeded):
    answer = serve("").get("/dashboard", headers=basic("ops", "anything"))
    assert answer.status_code == 403 and "REDFIX_OPERATOR_TOKEN" in answer.json()["error"]
    assert SHOP not in answer.text


@pytest.mark.parametrize("headers", [
    {}, basic("ops", "wrong-token-0123456789abcdef"), basic(TOKEN, ""),
    {"Authorization": f"Bearer {TOKEN[:-1]}"}, {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": "Basic !!!not-base64"}, {"Authorization": TOKEN},
])
def test_a_missing_or_wrong_token_gets_a_basic_challenge(serve, seeded, headers):
    answer = serve().get("/dashboard", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Basic realm="redfix"'
    assert SHOP not in answer.text


@pytest.mark.parametrize("headers", [BEARER, basic("ops", TOKEN), basic("", TOKEN)])
def test_the_token_as_bearer_or_as_any_users_basic_password_opens_it(serve, seeded, headers):
    answer = serve().get("/dashboard", headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "script-src" not in answer.headers["content-security-policy"]
    assert SHOP in answer.text


def test_stats_takes_the_same_basic_password(serve, seeded):
    assert serve().get("/stats", headers=basic("ops", TOKEN)).status_code == 200
    refused = serve().get("/stats", headers=basic("ops", "wrong"))
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"


def test_the_numbers_are_the_records(serve, seeded):
    page = Page(serve().get("/dashboard", headers=BEARER).text)
    assert {key: page.text[key].strip() for key in (
        "jobs-queued", "jobs-running", "runs-finished", "fix-rate", "false-fix-rate",
        "time-to-pr", "open-pulls")} == {
        "jobs-queued": "2", "jobs-running": "1", "runs-finished": "7", "fix-rate": "57%",
        "false-fix-rate": "33%", "time-to-pr": "15 min", "open-pulls": "2"}
    states = [row["data-state"] for row in page.rows("data-state")]
    assert states == ["running", "queued", "queued"]
    caps = {row["data-repository"]: row["data-at-cap"] for row in page.rows("data-at-cap")}
    assert caps == {SHOP: "true", API: "false"}
    fates = [(row["data-status"], row["data-fate"]) for row in page.rows("data-status")]
    assert fates == [("not-fixed", ""), ("fixed", "open"), ("flaky", ""), ("fixed", "closed"),
                     ("fixed", "merged"), ("not-fixed", ""), ("fixed", "merged")]


def test_one_repository_at_a_time(serve, seeded):
    page = Page(serve().get("/dashboard", params={"repository": API}, headers=BEARER).text)
    assert page.text["repository"] == API
    assert (page.text["runs-finished"], page.text["fix-rate"], page.text["jobs-queued"],
            page.text["time-to-pr"]) == ("2", "50%", "1", "4.0 min")
    assert [row["data-repository"] for row in page.rows("data-at-cap")] == [API]


def test_a_chart_has_a_bar_per_period_with_data(serve, seeded):
    page = Page(serve().get("/dashboard", params={"period": "day"}, headers=BEARER).text)
    finished_days = {time.strftime("%Y-%m-%d", time.gmtime(run.started_at))
                     for run in seeded.runs if run.status != "running"}
    bars = page.bars("chart-fix-rate")
    assert sorted(bar["data-period"] for bar in bars) == sorted(finished_days)
    fixes_day = time.strftime("%Y-%m-%d", time.gmtime(seeded.fixes[0].created_at))
    assert [(b["data-period"], b["data-value"]) for b in page.bars("chart-false-fix-rate")] == [
        (fixes_day, "33%")]
    assert len(page.bars("chart-time-to-pr")) == len(
        {time.strftime("%Y-%m-%d", time.gmtime(run.started_at))
         for run in seeded.runs if run.pr_url})


def test_a_wrong_period_is_a_bad_request(serve, seeded):
    answer = serve().get("/dashboard", params={"period": "decade"}, headers=BEARER)
    assert answer.status_code == 400 and "day, week, month" in answer.json()["error"]


def test_repository_text_is_escaped(serve, app_state):  # noqa: F811
    hostile = "octo/<img src=x onerror=alert(1)>"
    serve.records.start_run(JobRun(hostile, "a" * 40, time.time(), status="fixed",
                                   finished_at=time.time(), pr_url="javascript:alert(1)"))
    answer = serve().get("/dashboard", headers=BEARER)
    assert "<img src=x" not in answer.text and "&lt;img src=x onerror=alert(1)&gt;" in answer.text
    assert 'href="javascript:' not in answer.text


def test_an_empty_service_says_so(serve):
    page = Page(serve().get("/dashboard", headers=BEARER).text)
    assert page.text["jobs"].strip() == "The queue is empty."
    assert page.text["fix-rate"] == "–" and page.bars("chart-fix-rate") == []


def test_no_records_database_is_unavailable(serve, app_state):  # noqa: F811
    client = serve()
    app_state.records = None
    assert client.get("/dashboard", headers=BEARER).status_code == 503


def test_caps_follow_the_latest_run(serve, seeded):
    latest = max(seeded.runs, key=lambda run: run.started_at)
    serve.records.start_run(replace(latest, run_id=0, started_at=time.time(),
                                    limits={"max_jobs_per_day": 0, "max_open_pulls": 9}))
    page = Page(serve().get("/dashboard", headers=BEARER).text)
    caps = {row["data-repository"]: row["data-at-cap"] for row in page.rows("data-at-cap")}
    assert caps == {SHOP: "false", API: "false"}  # no cap on jobs, 2 of 9 pulls open
