"""The job records: delivery dedupe, claims with leases, the per-branch lock, recovery."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from bot.app.redis_store import RedisStore
from bot.app.router import InstallationChange
from bot.app.store import Claim, JobState, SqliteStore, Store
from bot.core.jobs import FixJob

JOB = FixJob(delivery_id="d-1", event="workflow_run", installation_id=7, repository="o/r",
             clone_url="http://x/o/r.git", default_branch="main", head_sha="a" * 40,
             head_branch="main", run_id=1)


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    """Both backends keep the same contract."""
    if request.param == "redis":
        opened = RedisStore(request.getfixturevalue("redis_url"))
    else:
        opened = SqliteStore(tmp_path / "service.db")
    yield opened
    opened.close()


def record(store: Store, job: FixJob) -> bool:
    return store.record_delivery(job.delivery_id, event="workflow_run", action="completed",
                                 decision="queued", job=job)


def test_a_delivery_is_recorded_once(store):
    assert record(store, JOB)
    assert not record(store, JOB)
    assert store.counts()["deliveries"] == 1 and store.counts()["jobs_queued"] == 1


def test_records_survive_reopening(tmp_path):
    store = SqliteStore(tmp_path / "service.db")
    record(store, JOB)
    store.close()
    again = SqliteStore(tmp_path / "service.db")
    assert not record(again, JOB)
    assert again.job(JOB.job_id).job == JOB
    again.close()


def test_a_claimed_job_cannot_be_claimed_twice(store):
    record(store, JOB)
    assert store.claim(JOB.job_id, lease_s=30) is Claim.CLAIMED
    assert store.claim(JOB.job_id, lease_s=30) is Claim.TAKEN
    assert store.claim("nope", lease_s=30) is Claim.UNKNOWN


def test_one_job_per_repository_and_branch_at_a_time(store):
    other = replace(JOB, delivery_id="d-2")
    elsewhere = replace(JOB, delivery_id="d-3", head_branch="dev")
    for job in (JOB, other, elsewhere):
        record(store, job)
    assert store.claim(JOB.job_id, lease_s=30) is Claim.CLAIMED
    assert store.claim(other.job_id, lease_s=30) is Claim.BUSY
    assert store.claim(elsewhere.job_id, lease_s=30) is Claim.CLAIMED
    store.finish(JOB.job_id, state=JobState.DONE, result="{}")
    assert store.claim(other.job_id, lease_s=30) is Claim.CLAIMED


def test_a_job_whose_lease_ran_out_is_stranded_and_claimable_again(store):
    record(store, JOB)
    assert store.claim(JOB.job_id, lease_s=0.2) is Claim.CLAIMED
    assert store.stranded(requeue_after_s=600) == []
    time.sleep(0.3)
    assert store.stranded(requeue_after_s=600) == [JOB.job_id]
    assert store.claim(JOB.job_id, lease_s=30) is Claim.CLAIMED
    assert store.job(JOB.job_id).executions == 2


def test_renewing_the_lease_keeps_the_job(store):
    record(store, JOB)
    store.claim(JOB.job_id, lease_s=0.3)
    time.sleep(0.2)
    store.renew(JOB.job_id, lease_s=30)
    time.sleep(0.2)
    assert store.stranded(requeue_after_s=600) == []


def test_finished_jobs_are_never_claimed_again(store):
    record(store, JOB)
    store.claim(JOB.job_id, lease_s=30)
    store.finish(JOB.job_id, state=JobState.DONE, result="{}", pr_url="http://x/pull/1")
    assert store.claim(JOB.job_id, lease_s=30) is Claim.TAKEN
    assert store.job(JOB.job_id).pr_url == "http://x/pull/1"


def test_active_jobs_are_the_queued_and_running_ones_longest_queued_first(store):
    running, queued, done, failed, retried = (
        replace(JOB, delivery_id=f"d-{name}", head_branch=name)
        for name in ("running", "queued", "done", "failed", "retried"))
    before = time.time()
    for job in (running, queued, done, failed, retried):
        record(store, job)
        time.sleep(0.01)  # distinct queue times
    store.claim(running.job_id, lease_s=30)
    for job in (done, failed, retried):
        store.claim(job.job_id, lease_s=30)
    store.finish(done.job_id, state=JobState.DONE, result="{}")
    store.finish(failed.job_id, state=JobState.FAILED, result="{}")
    store.release(retried.job_id)  # a retry: back in the queue, queued again now
    active = store.active_jobs()
    assert [(r.job, r.state) for r in active] == [
        (running, JobState.RUNNING), (queued, JobState.QUEUED), (retried, JobState.QUEUED)]
    assert before <= active[0].queued_at < active[1].queued_at < active[2].queued_at
    assert store.job(queued.job_id).queued_at == active[1].queued_at


def test_no_active_jobs_in_an_empty_store(store):
    assert store.active_jobs() == []


def test_installations_follow_their_events(store):
    store.apply_installation(InstallationChange(7, "octo", added=("octo/a", "octo/b")))
    store.apply_installation(InstallationChange(7, "octo", removed=("octo/a",)))
    assert store.installed_repositories() == {7: ["octo/b"]}
    store.apply_installation(InstallationChange(7, "octo", uninstalled=True))
    assert store.installed_repositories() == {}
