"""Faults around a job, with real servers and a real full disk: GitHub timing out, the
disk filling up under the webhook's records, the queue and a job's checkout. In each case
no delivery or job is lost, nothing is done twice, and the end state says what happened.

Covered elsewhere and listed in docs/RELIABILITY.md: the model server down, slow or
cutting its stream (tests/connectors), GitHub 5xx and rate limits (tests/app), the
service killed with SIGKILL mid-job (tests/app/test_crash_recovery.py), Docker down
or missing its image (tests/connectors/sandbox/test_docker_runner.py)."""

from __future__ import annotations

import json
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from bot.app.queue import JobQueue, Recovery, build_huey
from bot.app.settings import ServiceConfig
from bot.app.store import Claim, JobState, SqliteStore
from bot.app.web import AppState, create_app
from bot.app.webhooks import sign
from bot.app.worker import run_job
from bot.core.github_errors import GitHubUnavailable
from bot.core.jobs import FixJob
from connectors.github import gateway as gateway_module
from connectors.github.auth import retry_policy
from connectors.github.gateway import PyGithubGateway
from tests.app.conftest import INSTALLATION
from tests.app.test_github_gateway import job_for, worker_context
from tests.hardening.conftest import fill

SECRET = "fault-webhook-secret"
RED_RUN = {
    "action": "completed",
    "installation": {"id": 7},
    "repository": {"full_name": "o/r", "clone_url": "http://x/o/r.git", "default_branch": "main"},
    "workflow_run": {"id": 5, "conclusion": "failure", "head_branch": "main",
                     "head_sha": "a" * 40, "pull_requests": []},
}


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A loopback server that accepts connections and never answers (a hung GitHub)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_github_timing_out_is_a_retryable_error_within_the_timeout(blackhole, monkeypatch):
    monkeypatch.setattr(gateway_module, "TIMEOUT_S", 1)
    gateway = PyGithubGateway(lambda: "ghs_" + "t" * 36, api_url=blackhole,
                              retry=retry_policy(total=1, backoff_s=0.1))
    started = time.monotonic()
    with pytest.raises(GitHubUnavailable) as caught:
        gateway.find_open_pull("o/r", "redfix/x")
    assert time.monotonic() - started < 10
    assert caught.value.retryable
    assert "GitHub cannot be reached" in str(caught.value) and "will retry" in str(caught.value)
    assert "ghs_" not in str(caught.value)


def deliver(client: TestClient, delivery: str):
    body = json.dumps(RED_RUN).encode()
    return client.post("/webhook", content=body, headers={
        "X-GitHub-Event": "workflow_run", "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(body, SECRET), "Content-Type": "application/json"})


def test_disk_full_under_the_records_refuses_the_delivery_and_loses_nothing(small_disk):
    config = ServiceConfig(webhook_secret=SECRET, data_dir=small_disk)
    store = SqliteStore(config.store_path)
    state = AppState(config, store, JobQueue(build_huey(config), config))
    ballast = fill(small_disk)
    with TestClient(create_app(state), raise_server_exceptions=False) as client:
        refused = deliver(client, "d-full")
        assert refused.status_code >= 500, "GitHub shows the delivery failed, to redeliver"
        assert store.job("d-full") is None
        ballast.unlink()  # space again: GitHub's redelivery (same id) is taken as new
        again = deliver(client, "d-full")
        assert again.status_code == 202 and again.json()["status"] == "queued"
        assert deliver(client, "d-full").json()["status"] == "duplicate"
    assert state.queue.pending() == 1 and store.counts()["jobs_queued"] == 1
    store.close()


def test_queue_on_a_full_disk_strands_no_job(tmp_path, small_disk):
    """The delivery is recorded, the queue cannot take its message: recovery re-queues it."""
    config = ServiceConfig(webhook_secret=SECRET, data_dir=small_disk, requeue_after_s=0.0)
    store = SqliteStore(tmp_path / "service.db")
    state = AppState(config, store, JobQueue(build_huey(config), config))
    ballast = fill(small_disk)
    with TestClient(create_app(state), raise_server_exceptions=False) as client:
        assert deliver(client, "d-q").status_code >= 500
        assert deliver(client, "d-q").json()["status"] == "duplicate", "recorded once"
    ballast.unlink()
    assert state.queue.pending() == 0
    time.sleep(0.01)
    recovery = Recovery(store, state.queue, period_s=60)
    assert recovery.run_once() == ["d-q"]
    assert state.queue.pending() == 1 and store.job("d-q").state is JobState.QUEUED
    assert store.claim("d-q", lease_s=30) is Claim.CLAIMED
    store.close()


def queued_job(store: SqliteStore, repo) -> str:
    job: FixJob = replace(job_for(repo), installation_id=INSTALLATION)
    store.record_delivery(job.delivery_id, event="workflow_run", action="completed",
                          decision="queued", job=job)
    return job.job_id


def test_a_job_whose_checkout_fills_the_disk_is_retried_then_fails_readably(
    tmp_path, simulator, red_repo, small_disk, monkeypatch
):
    repo, _ = red_repo
    store = SqliteStore(tmp_path / "service.db")
    job_id = queued_job(store, repo)
    context = worker_context(tmp_path, simulator, store)
    monkeypatch.setattr(tempfile, "tempdir", str(small_disk))  # where jobs check out
    fill(small_disk)

    with pytest.raises(GitHubUnavailable, match="No space left on device"):
        run_job(job_id, context, retries_left=2)
    assert store.job(job_id).state is JobState.QUEUED, "released for the queue's retry"

    run_job(job_id, context, retries_left=0)
    record = store.job(job_id)
    assert record.state is JobState.FAILED and record.executions == 2
    assert "No space left on device" in json.loads(record.result)["error"]
    (check,) = repo.check_runs
    assert check.title == "redfix could not finish"
    assert "No space left on device" in (check.summary or "")
    assert repo.pulls == {} and repo.branches() == ["main"]
    assert list(small_disk.iterdir()) == [small_disk / "ballast"], "no scratch left behind"
    store.close()

