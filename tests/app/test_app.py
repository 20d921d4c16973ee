"""The web app in process (FastAPI's TestClient): status codes, dedupe, health, metrics, docs."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from bot.app.queue import JobQueue, build_huey
from bot.app.settings import ServiceConfig
from bot.app.store import SqliteStore
from bot.app.web import AppState, create_app
from bot.app.webhooks import sign

SECRET = "test-webhook-secret"
RED_RUN = {
    "action": "completed",
    "installation": {"id": 7},
    "repository": {"full_name": "o/r", "clone_url": "http://x/o/r.git", "default_branch": "main"},
    "workflow_run": {"id": 5, "conclusion": "failure", "head_branch": "main",
                     "head_sha": "a" * 40, "pull_requests": []},
}


@pytest.fixture
def app_state(tmp_path):
    config = ServiceConfig(webhook_secret=SECRET, data_dir=tmp_path, max_body_bytes=10_000)
    store = SqliteStore(config.store_path)
    queue = JobQueue(build_huey(config), config)
    yield AppState(config, store, queue, checks={"model server": lambda: "no model server"})
    store.close()


@pytest.fixture
def client(app_state):
    with TestClient(create_app(app_state)) as test_client:
        yield test_client


def deliver(client, payload, *, event="workflow_run", delivery="d-1", secret=SECRET, body=None):
    data = body if body is not None else json.dumps(payload).encode()
    return client.post("/webhook", content=data, headers={
        "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(data, secret), "Content-Type": "application/json"})


def test_red_run_is_queued_once(client, app_state):
    first = deliver(client, RED_RUN)
    assert first.status_code == 202 and first.json() == {
        "status": "queued", "delivery": "d-1", "job_id": "d-1"}
    again = deliver(client, RED_RUN)
    assert again.status_code == 202 and again.json()["status"] == "duplicate"
    assert app_state.queue.pending() == 1
    assert app_state.store.counts()["jobs_queued"] == 1


def test_wrong_secret_gets_401_and_nothing_is_recorded(client, app_state):
    answer = deliver(client, RED_RUN, secret="another-secret")
    assert answer.status_code == 401
    assert app_state.store.counts()["deliveries"] == 0 and app_state.queue.pending() == 0


def test_missing_signature_gets_401(client):
    answer = client.post("/webhook", content=b"{}", headers={
        "X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-9"})
    assert answer.status_code == 401


def test_oversize_body_gets_413(client, app_state):
    answer = deliver(client, None, body=b'{"pad": "' + b"x" * 20_000 + b'"}')
    assert answer.status_code == 413
    assert app_state.store.counts()["deliveries"] == 0


def test_ignored_and_unknown_events_are_acknowledged(client, app_state):
    green = json.loads(json.dumps(RED_RUN))
    green["workflow_run"]["conclusion"] = "success"
    assert deliver(client, green).json()["status"] == "ignored"
    assert deliver(client, {"action": "created"}, event="star", delivery="d-2").status_code == 202
    assert app_state.queue.pending() == 0


def test_ping_gets_pong(client):
    assert deliver(client, {"zen": "Keep it logically awesome."}, event="ping").json()["zen"] \
        == "Keep it logically awesome."


def test_installation_event_is_recorded(client, app_state):
    payload = {"action": "created", "installation": {"id": 9, "account": {"login": "octo"}},
               "repositories": [{"full_name": "octo/a"}]}
    assert deliver(client, payload, event="installation").json()["status"] == "installation"
    assert app_state.store.installed_repositories() == {9: ["octo/a"]}


def test_healthz_and_readyz_report_each_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "queue": "ok",
                                      "model server": "no model server"}


def test_metrics_count_deliveries_and_jobs(client):
    deliver(client, RED_RUN)
    deliver(client, RED_RUN)
    deliver(client, RED_RUN, secret="wrong-secret", delivery="d-3")
    text = client.get("/metrics").text
    assert 'redfix_webhook_deliveries_total{event="workflow_run",outcome="queued"} 1.0' in text
    assert 'redfix_webhook_deliveries_total{event="workflow_run",outcome="duplicate"} 1.0' in text
    assert 'redfix_webhook_deliveries_total{event="workflow_run",outcome="refused"} 1.0' in text
    assert 'redfix_jobs{state="queued"} 1.0' in text
    assert "redfix_queue_pending 1.0" in text
    assert "redfix_webhook_ack_seconds_bucket" in text


def test_docs_describe_the_webhook(client):
    assert client.get("/docs").status_code == 200
    assert "/webhook" in client.get("/openapi.json").json()["paths"]


OPERATOR_TOKEN = "operator-token-0123456789abcdef"


@pytest.fixture
def stats_client(app_state, tmp_path):
    from bot.core.records import FixRecord
    from connectors.records.sql import SqlRecords, database_url

    def serve(token: str) -> TestClient:
        records = SqlRecords(database_url({}, tmp_path))
        records.record_fix(FixRecord("octo/private-repo", 3, 7, "sig", "t::x", "assertion",
                                     "diff", "why", "model", "fix-2", 1.7e9))
        app_state.config = ServiceConfig(webhook_secret=SECRET, data_dir=tmp_path,
                                         operator_token=token)
        app_state.records = records
        return TestClient(create_app(app_state))

    return serve


def test_stats_is_closed_without_a_configured_operator_token(stats_client):
    answer = stats_client("").get("/stats", headers={"Authorization": "Bearer anything-at-all"})
    assert answer.status_code == 403 and "REDFIX_OPERATOR_TOKEN" in answer.json()["error"]
    assert "private-repo" not in answer.text


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-0123456789"},
                                     {"Authorization": f"Basic {OPERATOR_TOKEN}"}])
def test_stats_refuses_a_missing_or_wrong_token(stats_client, headers):
    answer = stats_client(OPERATOR_TOKEN).get("/stats", headers=headers)
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
    assert "private-repo" not in answer.text


def test_stats_answers_the_operator_token(stats_client):
    answer = stats_client(OPERATOR_TOKEN).get(
        "/stats", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert answer.status_code == 200
    assert [row["group"] for row in answer.json()["rows"]] == ["octo/private-repo"]


def test_a_short_operator_token_is_refused_at_start():
    from bot.core.errors import ConfigError

    with pytest.raises(ConfigError, match="REDFIX_OPERATOR_TOKEN is 5 characters long"):
        ServiceConfig.from_env({"REDFIX_WEBHOOK_SECRET": SECRET, "REDFIX_OPERATOR_TOKEN": "short"})
