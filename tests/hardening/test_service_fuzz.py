"""The web app under generated traffic, in process: schemathesis drives every operation
of the service's own OpenAPI description (FastAPI's /openapi.json) and checks no answer
is a server error and each matches its documented shape; hypothesis sends signed and
unsigned webhook deliveries with arbitrary JSON, which must be accepted, ignored or
refused (4xx), never crash (5xx), and never queue a job from an unsigned body."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from bot.app.queue import JobQueue, build_huey
from bot.app.settings import ServiceConfig
from bot.app.store import SqliteStore
from bot.app.web import AppState, create_app
from bot.app.webhooks import sign
from bot.wiring.learning import open_records

SECRET = "schemathesis-secret"
_DATA = Path(tempfile.mkdtemp(prefix="redfix-schemathesis-"))


def build_state(data_dir: Path) -> AppState:
    config = ServiceConfig(webhook_secret=SECRET, data_dir=data_dir, max_body_bytes=64 * 1024)
    store = SqliteStore(config.store_path)
    return AppState(config, store, JobQueue(build_huey(config), config), checks={},
                    records=open_records({}, config.data_dir))


STATE = build_state(_DATA)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(STATE))


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_of_the_openapi_description(case) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error,
                                             response_schema_conformance])


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20,
)
EVENTS = st.sampled_from(["workflow_run", "check_run", "installation",
                          "installation_repositories", "ping", "push", "issue_comment", ""])


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(event=EVENTS, payload=JSON, signed=st.booleans(), delivery=st.uuids())
def test_any_delivery_is_answered_without_a_server_error(event, payload, signed, delivery):
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": str(delivery),
               "X-Hub-Signature-256": sign(body, SECRET if signed else "wrong"),
               "Content-Type": "application/json"}
    before = STATE.store.counts()
    with TestClient(create_app(STATE), raise_server_exceptions=False) as client:
        answer = client.post("/webhook", content=body, headers=headers)
    assert answer.status_code < 500, answer.text
    if not signed:
        assert answer.status_code == 401 and STATE.store.counts() == before
    elif answer.status_code == 202:
        assert answer.json()["status"] in ("queued", "ignored", "pong", "installation",
                                           "duplicate")
