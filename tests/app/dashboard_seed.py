"""Known runs, pull requests and jobs for the dashboard's tests (and its screenshot).

Two repositories. octo/shop is at both of its caps (3 runs in the last 24 hours of 3,
2 open redfix pull requests of 2); octo/api is below its own. Over both: 7 finished runs,
4 fixed (57 %); 3 decided pull requests, 1 closed unmerged (33 %); minutes to PR 10, 20,
30 and 4 (median 15); 2 open pull requests; 2 jobs queued and 1 running.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from bot.app.store import SqliteStore
from bot.core.jobs import FixJob
from bot.core.records import FixRecord, FixState, JobRun
from connectors.records.sql import SqlRecords

HOUR = 3600.0
SHOP, API = "octo/shop", "octo/api"
SHOP_LIMITS = {"max_jobs_per_day": 3, "max_open_pulls": 2, "max_attempts_per_failure": 3}
API_LIMITS = {"max_jobs_per_day": 20, "max_open_pulls": 5, "max_attempts_per_failure": 2}
# (repository, hours before now it started, status, minutes it took, pull request number)
RUNS = [
    (SHOP, 50, "fixed", 10, 1),
    (SHOP, 49, "not-fixed", 5, 0),
    (SHOP, 26, "fixed", 20, 2),
    (API, 30, "fixed", 4, 7),
    (SHOP, 3, "flaky", 2, 0),
    (SHOP, 2, "fixed", 30, 3),
    (API, 1, "not-fixed", 6, 0),
    (SHOP, 0.5, "running", 0, 0),
]
FIXES = [(SHOP, 1, FixState.ACCEPTED), (SHOP, 2, FixState.REJECTED), (SHOP, 3, FixState.OPEN),
         (SHOP, 4, FixState.OPEN), (API, 7, FixState.ACCEPTED)]
JOB = FixJob(delivery_id="d-0", event="workflow_run", installation_id=7, repository=SHOP,
             clone_url="https://github.com/octo/shop.git", default_branch="main",
             head_sha="c0ffee" * 6 + "abcd", head_branch="main", run_id=1)


def pr_url(repository: str, number: int) -> str:
    return f"https://github.com/{repository}/pull/{number}"


@dataclass(frozen=True)
class Seeded:
    runs: list[JobRun]
    fixes: list[FixRecord]
    jobs: list[FixJob]  # the first runs, the others wait


def seed_records(records: SqlRecords, now: float) -> tuple[list[JobRun], list[FixRecord]]:
    runs = []
    for repository, hours, status, minutes, number in RUNS:
        started = now - hours * HOUR
        run = JobRun(repository, f"{number or 9:02d}" * 20, started, status=status,
                     limits=SHOP_LIMITS if repository == SHOP else API_LIMITS,
                     finished_at=None if status == "running" else started + minutes * 60,
                     pr_url=pr_url(repository, number) if number else "")
        run_id = records.start_run(run)
        runs.append(replace(run, run_id=run_id))
    fixes = []
    for repository, number, state in FIXES:
        fix = FixRecord(repository, number, 7, f"sig-{number}", "tests::x", "code bug", "diff",
                        "why", "model", "fix-3", now - 40 * HOUR, pr_url=pr_url(repository, number),
                        state=state, closed_at=None if state is FixState.OPEN else now - HOUR)
        records.record_fix(fix)
        fixes.append(fix)
    return runs, fixes


def seed_jobs(store: SqliteStore) -> list[FixJob]:
    jobs = [replace(JOB, delivery_id="d-1", head_branch="main"),
            replace(JOB, delivery_id="d-2", head_branch="release/1.2"),
            replace(JOB, delivery_id="d-3", repository=API, head_branch="main")]
    for job in jobs:
        store.record_delivery(job.delivery_id, event="workflow_run", action="completed",
                              decision="queued", job=job)
    store.claim(jobs[0].job_id, lease_s=3600)
    return jobs


def seed(store: SqliteStore, records: SqlRecords, now: float | None = None) -> Seeded:
    runs, fixes = seed_records(records, time.time() if now is None else now)
    return Seeded(runs, fixes, seed_jobs(store))
