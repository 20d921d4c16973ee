"""Which worker function runs a job, by the event it came from."""

from __future__ import annotations

import logging

from bot.service.jobs import FixJob
from bot.service.worker import Published, WorkerContext, execute

FEEDBACK_EVENTS = ("pull_request", "pull_request_review", "pull_request_review_comment")


def handle(
    job: FixJob, context: WorkerContext, *, logger: logging.LoggerAdapter[logging.Logger]
) -> Published:
    if job.event == "issue_comment":
        from bot.service.commands import run_command

        return run_command(job, context, logger=logger)
    if job.event in FEEDBACK_EVENTS:
        from bot.service.learning import on_feedback

        return on_feedback(job, context, logger=logger)
    published, _ = execute(job, context, logger=logger)
    return published
