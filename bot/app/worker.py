"""The queue's runner: claim one job, run its handler, record how it ended.

A claim is a lease renewed while the job runs; a job whose worker died is claimed
again when its lease runs out, and its handler's steps are idempotent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bot.app.context import Logger, WorkerContext, job_logger, log
from bot.app.dispatch import handle
from bot.app.store import Claim, JobState, Store, result_json
from bot.core.errors import RedfixError
from bot.core.jobs import FixJob
from bot.stages.publish.plans import failure_check_run


class JobBusy(Exception):
    """Another job of the same repository and branch is running: the queue retries later."""


@contextmanager
def _heartbeat(store: Store, job_id: str, lease_s: float) -> Iterator[None]:
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease_s / 3):
            store.renew(job_id, lease_s=lease_s)

    thread = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_job(job_id: str, context: WorkerContext, *, retries_left: int) -> None:
    """Claim, execute and record one job; raise to let the queue retry a retryable failure."""
    claim = context.store.claim(job_id, lease_s=context.lease_s)
    if claim is Claim.BUSY:
        context.store.touch(job_id)
        raise JobBusy(job_id)
    if claim is not Claim.CLAIMED:
        log.info("job %s is %s: nothing to do", job_id, claim)
        return
    record = context.store.job(job_id)
    assert record is not None
    logger = job_logger(record.job)
    try:
        with _heartbeat(context.store, job_id, context.lease_s):
            published = handle(record.job, context, logger=logger)
    except Exception as exc:  # every failure ends the claim: released or recorded, never stuck
        # Unexpected errors (OSError, a bug) get the retry budget too, then stop for good.
        retryable = exc.retryable if isinstance(exc, RedfixError) else True
        if retryable and retries_left > 0:
            logger.warning("failure, the queue will retry: %s", exc)
            context.store.release(job_id)
            raise
        logger.error("job failed: %s", exc, exc_info=not isinstance(exc, RedfixError))
        context.store.finish(job_id, state=JobState.FAILED, result=result_json(error=str(exc)))
        _report_failure(record.job, exc, context, logger)
        return
    context.store.finish(
        job_id,
        state=JobState.DONE,
        result=result_json(
            status=published.status, reports=published.reports, check=published.check_url
        ),
        pr_url=published.pr_url,
    )
    logger.info("job done: %s %s", published.status, published.pr_url)


def _report_failure(
    job: FixJob,
    exc: Exception,
    context: WorkerContext,
    logger: Logger,
) -> None:
    """Best effort: say on the commit that redfix could not finish, and why."""
    if not job.head_sha or job.issue_number is not None:
        return  # a command or feedback job: its status comment says what went wrong
    plan = failure_check_run(job, str(exc), secrets=context.secrets)
    try:
        context.gateways(job.installation_id).create_check_run(job.repository, plan)
    except RedfixError as again:
        logger.warning("could not report the failure on GitHub either: %s", again)


