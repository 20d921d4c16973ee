"""Jobs through huey: SQLite by default, Redis when REDFIX_REDIS_URL is set.

The queue carries job ids; the job itself lives in the store. Huey retries a
failed task (`retries`, `retry_delay`), `RetryTask` re-schedules a job whose
repository+branch lock is held, and the number of consumer workers is the
global concurrency limit of a process. Huey drops a message once a worker takes
it, so a worker killed mid-job loses it: `Recovery` re-enqueues jobs whose
lease ran out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from huey import RedisHuey, SqliteHuey  # type: ignore[import-untyped]
from huey.api import Huey  # type: ignore[import-untyped]
from huey.consumer import Consumer  # type: ignore[import-untyped]
from huey.exceptions import RetryTask  # type: ignore[import-untyped]

from bot.app.settings import ServiceConfig
from bot.app.store import Store
from bot.app.worker import JobBusy

TASK_NAME = "redfix.run_job"
JobRunner = Callable[..., None]
log = logging.getLogger("redfix.queue")


def build_huey(config: ServiceConfig) -> Huey:
    if config.redis_url:
        return RedisHuey("redfix", url=config.redis_url)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("redfix", filename=str(config.queue_path), fsync=False)


def _not_here(job_id: str, *, retries_left: int) -> None:
    raise RuntimeError(f"job {job_id}: this process only enqueues; run a worker")


class JobQueue:
    def __init__(self, huey: Huey, config: ServiceConfig, runner: JobRunner | None = None):
        self.huey = huey
        self.config = config
        execute = runner or _not_here
        busy_delay = config.busy_delay_s

        def run_job(job_id: str, task: Any = None) -> None:
            try:
                execute(job_id, retries_left=task.retries if task is not None else 0)
            except JobBusy as exc:
                raise RetryTask(
                    f"{exc} waits for its repository+branch lock", delay=busy_delay
                ) from exc

        self._task = huey.task(
            retries=config.retries,
            retry_delay=int(config.retry_delay_s),
            context=True,
            name=TASK_NAME,
        )(run_job)

    def enqueue(self, job_id: str) -> None:
        self._task(job_id)

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def consumer(self) -> Consumer:
        return self.huey.create_consumer(
            workers=self.config.concurrency,
            worker_type="thread",
            periodic=False,
            initial_delay=0.05,
            max_delay=1.0,
        )


class Recovery:
    """Hands jobs stranded by a dead worker (or a lost message) back to the queue."""

    def __init__(self, store: Store, queue: JobQueue, *, period_s: float) -> None:
        self.store = store
        self.queue = queue
        self.period_s = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="redfix-recovery", daemon=True)

    def run_once(self) -> list[str]:
        ids = self.store.stranded(requeue_after_s=self.queue.config.requeue_after_s)
        for job_id in ids:
            log.warning("job %s was interrupted or lost: queued again", job_id)
            self.queue.enqueue(job_id)
        return ids

    def _loop(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                self.run_once()
            except Exception:  # keep recovering; the next pass may succeed
                log.exception("recovery pass failed")

    def start(self) -> None:
        self.run_once()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
