"""The job queue on huey with its SQLite storage and a real consumer: retries, the lock
wait, the concurrency limit, jobs surviving a restart, recovery of stranded jobs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest

from bot.app.queue import JobQueue, Recovery, build_huey
from bot.app.settings import ServiceConfig
from bot.app.store import SqliteStore
from bot.app.worker import JobBusy
from bot.core.github_errors import GitHubUnavailable
from bot.core.jobs import FixJob
from tests.app.conftest import wait_for


@pytest.fixture
def config(tmp_path) -> ServiceConfig:
    return ServiceConfig(webhook_secret="x" * 10, data_dir=tmp_path, concurrency=2,
                         retries=2, retry_delay_s=1, busy_delay_s=0.2, requeue_after_s=600)


@contextmanager
def consuming(config: ServiceConfig, runner: Callable[..., None]) -> Iterator[JobQueue]:
    queue = JobQueue(build_huey(config), config, runner)
    consumer = queue.consumer()
    consumer.start()
    try:
        yield queue
    finally:
        consumer.stop(graceful=True)


class Calls:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.seen: list[tuple[str, int, float]] = []
        self.lock = threading.Lock()

    def __call__(self, job_id: str, *, retries_left: int) -> None:
        with self.lock:
            self.seen.append((job_id, retries_left, time.monotonic()))
            failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            raise failure


def test_retryable_failure_is_retried_after_the_delay(config):
    calls = Calls(GitHubUnavailable("502"))
    with consuming(config, calls) as queue:
        queue.enqueue("job-1")
        wait_for(lambda: len(calls.seen) == 2, timeout=20, what="the retry")
    (_, first_left, first_at), (_, second_left, second_at) = calls.seen
    assert (first_left, second_left) == (2, 1)
    assert second_at - first_at >= 0.9


def test_retries_run_out(config):
    calls = Calls(*(GitHubUnavailable("502") for _ in range(5)))
    with consuming(config, calls) as queue:
        queue.enqueue("job-1")
        wait_for(lambda: len(calls.seen) == 3, timeout=20, what="three tries")
        time.sleep(1.5)
    assert [left for _, left, _ in calls.seen] == [2, 1, 0]


def test_a_job_waiting_for_its_lock_does_not_use_up_retries(config):
    calls = Calls(*(JobBusy("job-1") for _ in range(4)))
    with consuming(config, calls) as queue:
        queue.enqueue("job-1")
        wait_for(lambda: len(calls.seen) == 5, timeout=20, what="the lock to free")
    assert [left for _, left, _ in calls.seen] == [2, 2, 2, 2, 2]


def test_at_most_concurrency_jobs_run_at_once(config):
    running, peak, lock = [0], [0], threading.Lock()

    def runner(job_id: str, *, retries_left: int) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.4)
        with lock:
            running[0] -= 1

    with consuming(config, runner) as queue:
        for number in range(5):
            queue.enqueue(f"job-{number}")
        wait_for(lambda: queue.pending() == 0 and running[0] == 0, timeout=20, what="all jobs")
        time.sleep(0.5)
    assert peak[0] == 2


def test_queued_jobs_survive_a_restart(config):
    JobQueue(build_huey(config), config).enqueue("job-1")  # the web process, then gone
    calls = Calls()
    with consuming(config, calls):
        wait_for(lambda: calls.seen, timeout=20, what="the job after the restart")
    assert calls.seen[0][0] == "job-1"


def test_recovery_requeues_a_job_whose_worker_died(config):
    store = SqliteStore(config.store_path)
    job = FixJob(delivery_id="d-1", event="workflow_run", installation_id=1, repository="o/r",
                 clone_url="u", default_branch="main", head_sha="a" * 40, head_branch="main")
    store.record_delivery("d-1", event="workflow_run", action="completed", decision="queued",
                          job=job)
    store.claim("d-1", lease_s=0.1)  # claimed by a worker that then died
    time.sleep(0.2)
    calls = Calls()
    with consuming(config, calls) as queue:
        assert Recovery(store, queue, period_s=60).run_once() == ["d-1"]
        wait_for(lambda: calls.seen, timeout=20, what="the requeued job")
    store.close()



def test_with_a_redis_url_jobs_go_through_redis(config, redis_url):
    shared = replace(config, redis_url=redis_url)
    web = JobQueue(build_huey(shared), shared)  # the web process on one machine
    web.enqueue("job-1")
    assert web.pending() == 1 and not (config.data_dir / "queue.db").exists()
    calls = Calls()
    with consuming(shared, calls):  # a worker on another machine
        wait_for(lambda: calls.seen, timeout=20, what="the job from Redis")
    assert calls.seen[0][0] == "job-1" and web.pending() == 0
