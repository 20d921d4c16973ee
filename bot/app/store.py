"""The service's records in SQLite: deliveries seen, jobs and their state, installations.

The delivery id is the primary key, so a redelivered event is recorded once and
queued once, even when two requests race. A job is `claimed` with a lease that
the worker renews while it runs; a job whose lease ran out (its worker was
killed) can be claimed again, and at most one job per repository and branch
holds a live lease (the per-branch lock).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from bot.app.router import InstallationChange
from bot.core.jobs import FixJob

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id TEXT PRIMARY KEY, event TEXT NOT NULL, action TEXT NOT NULL,
    decision TEXT NOT NULL, received_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, lock_key TEXT NOT NULL, payload TEXT NOT NULL,
    state TEXT NOT NULL, executions INTEGER NOT NULL DEFAULT 0,
    lease_until REAL NOT NULL DEFAULT 0, enqueued_at REAL NOT NULL,
    updated_at REAL NOT NULL, result TEXT NOT NULL DEFAULT '', pr_url TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS jobs_lock ON jobs (lock_key, state);
CREATE TABLE IF NOT EXISTS installations (
    installation_id INTEGER PRIMARY KEY, account TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS installation_repositories (
    installation_id INTEGER NOT NULL, repository TEXT NOT NULL,
    PRIMARY KEY (installation_id, repository));
"""

CLAIM = """
UPDATE jobs SET state = 'running', lease_until = :until, executions = executions + 1,
    updated_at = :now
WHERE job_id = :job_id
  AND (state = 'queued' OR (state = 'running' AND lease_until < :now))
  AND NOT EXISTS (
    SELECT 1 FROM jobs AS other
    WHERE other.lock_key = jobs.lock_key AND other.job_id != jobs.job_id
      AND other.state = 'running' AND other.lease_until >= :now)
"""


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Claim(StrEnum):
    CLAIMED = "claimed"
    BUSY = "busy"  # another job of the same repository and branch runs: try later
    TAKEN = "taken"  # running under a live lease elsewhere, or finished: drop this message
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class JobRecord:
    job: FixJob
    state: JobState
    executions: int
    result: str
    pr_url: str
    queued_at: float = 0.0  # when it last entered the queue (a retry queues it again)


class Store(Protocol):
    """The service's records; SqliteStore on one machine, RedisStore shared by many."""

    def record_delivery(
        self, delivery_id: str, *, event: str, action: str, decision: str, job: FixJob | None
    ) -> bool: ...

    def claim(self, job_id: str, *, lease_s: float) -> Claim: ...

    def renew(self, job_id: str, *, lease_s: float) -> None: ...

    def touch(self, job_id: str) -> None: ...

    def release(self, job_id: str) -> None: ...

    def finish(self, job_id: str, *, state: JobState, result: str, pr_url: str = "") -> None: ...

    def stranded(self, *, requeue_after_s: float) -> list[str]: ...

    def job(self, job_id: str) -> JobRecord | None: ...

    def active_jobs(self) -> list[JobRecord]:
        """The jobs queued or running, longest queued first."""

    def counts(self) -> dict[str, int]: ...

    def apply_installation(self, change: InstallationChange) -> None: ...

    def installed_repositories(self) -> dict[int, list[str]]: ...

    def ping(self) -> str: ...

    def close(self) -> None: ...


ONE_JOB = (
    "SELECT payload, state, executions, result, pr_url, enqueued_at FROM jobs WHERE job_id = ?"
)
ACTIVE_JOBS = (
    "SELECT payload, state, executions, result, pr_url, enqueued_at FROM jobs"
    " WHERE state IN ('queued', 'running') ORDER BY enqueued_at, job_id"
)


def _job_record(row: tuple[str, str, int, str, str, float]) -> JobRecord:
    payload, state, executions, result, pr_url, queued_at = row
    return JobRecord(FixJob.from_json(payload), JobState(state), executions, result, pr_url,
                     queued_at)


class SqliteStore:
    """One SQLite file; safe to share between the threads of one process and between processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def record_delivery(
        self, delivery_id: str, *, event: str, action: str, decision: str, job: FixJob | None
    ) -> bool:
        """Record a delivery (and its job) once; False when this delivery id was seen before."""
        now = time.time()
        with self._transaction() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?)",
                (delivery_id, event, action, decision, now),
            ).rowcount
            if inserted and job is not None:
                db.execute(
                    "INSERT INTO jobs (job_id, lock_key, payload, state, enqueued_at, updated_at)"
                    " VALUES (?, ?, ?, 'queued', ?, ?)",
                    (job.job_id, job.lock_key, job.to_json(), now, now),
                )
        return bool(inserted)

    def claim(self, job_id: str, *, lease_s: float) -> Claim:
        now = time.time()
        with self._transaction() as db:
            changed = db.execute(
                CLAIM, {"job_id": job_id, "now": now, "until": now + lease_s}
            ).rowcount
            if changed:
                return Claim.CLAIMED
            row = db.execute("SELECT state FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        if row is None:
            return Claim.UNKNOWN
        return Claim.BUSY if row[0] == JobState.QUEUED else Claim.TAKEN

    def renew(self, job_id: str, *, lease_s: float) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET lease_until = ? WHERE job_id = ? AND state = 'running'",
                (time.time() + lease_s, job_id),
            )

    def touch(self, job_id: str) -> None:
        """A queued job that waits for its lock is not stranded."""
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET enqueued_at = ? WHERE job_id = ? AND state = 'queued'",
                (time.time(), job_id),
            )

    def release(self, job_id: str) -> None:
        """Back to the queue after a retryable failure; the queue library schedules the retry."""
        self._set_state(job_id, JobState.QUEUED, result="", pr_url="")

    def finish(self, job_id: str, *, state: JobState, result: str, pr_url: str = "") -> None:
        self._set_state(job_id, state, result=result, pr_url=pr_url)

    def _set_state(self, job_id: str, state: JobState, *, result: str, pr_url: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = ?, result = ?, pr_url = ?, lease_until = 0,"
                " updated_at = ?, enqueued_at = ? WHERE job_id = ?",
                (str(state), result, pr_url, time.time(), time.time(), job_id),
            )

    def stranded(self, *, requeue_after_s: float) -> list[str]:
        """Jobs whose worker died (lease ran out) or whose queue message was lost.

        Their `enqueued_at` is reset, so each is handed back to the queue once per period.
        """
        now = time.time()
        with self._transaction() as db:
            rows = db.execute(
                "SELECT job_id FROM jobs WHERE (state = 'running' AND lease_until < ?)"
                " OR (state = 'queued' AND enqueued_at < ?)",
                (now, now - requeue_after_s),
            ).fetchall()
            ids = [row[0] for row in rows]
            db.executemany(
                "UPDATE jobs SET enqueued_at = ? WHERE job_id = ?", [(now, i) for i in ids]
            )
        return ids

    def job(self, job_id: str) -> JobRecord | None:
        with self._lock:
            row = self._db.execute(ONE_JOB, (job_id,)).fetchone()
        return None if row is None else _job_record(row)

    def active_jobs(self) -> list[JobRecord]:
        with self._lock:
            rows = self._db.execute(ACTIVE_JOBS).fetchall()
        return [_job_record(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Deliveries and jobs per state, for /metrics and the benchmark."""
        with self._lock:
            jobs = dict(self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state"))
            deliveries = self._db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
        counts = {f"jobs_{state}": int(jobs.get(str(state), 0)) for state in JobState}
        counts["deliveries"] = int(deliveries)
        return counts

    def apply_installation(self, change: InstallationChange) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO installations VALUES (?, ?, ?) ON CONFLICT(installation_id)"
                " DO UPDATE SET account = excluded.account, active = excluded.active",
                (change.installation_id, change.account, 0 if change.uninstalled else 1),
            )
            if change.uninstalled:
                db.execute(
                    "DELETE FROM installation_repositories WHERE installation_id = ?",
                    (change.installation_id,),
                )
            db.executemany(
                "INSERT OR IGNORE INTO installation_repositories VALUES (?, ?)",
                [(change.installation_id, name) for name in change.added],
            )
            db.executemany(
                "DELETE FROM installation_repositories"
                " WHERE installation_id = ? AND repository = ?",
                [(change.installation_id, name) for name in change.removed],
            )

    def installed_repositories(self) -> dict[int, list[str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT r.installation_id, r.repository FROM installation_repositories AS r"
                " JOIN installations AS i USING (installation_id) WHERE i.active = 1"
                " ORDER BY r.repository"
            ).fetchall()
        found: dict[int, list[str]] = {}
        for installation_id, name in rows:
            found.setdefault(int(installation_id), []).append(str(name))
        return found

    def ping(self) -> str:
        """ "" when the database answers (a readiness check)."""
        with self._lock:
            self._db.execute("SELECT 1").fetchone()
        return ""


def result_json(**values: object) -> str:
    return json.dumps(values, sort_keys=True)
