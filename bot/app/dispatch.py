"""Which worker function runs a job, by the event it came from."""

from __future__ import annotations

import logging

from bot.app.caps import Capped
from bot.app.commands import run_command
from bot.app.context import Published, WorkerContext
from bot.app.controls import Declined
from bot.app.fix_job import execute
from bot.app.learning import on_feedback
from bot.core.jobs import FixJob
from bot.stages.publish.plans import capped_check_run

FEEDBACK_EVENTS = ("pull_request", "pull_request_review", "pull_request_review_comment")


def handle(
    job: FixJob, context: WorkerContext, *, logger: logging.LoggerAdapter[logging.Logger]
) -> Published:
    if job.event == "issue_comment":
        return run_command(job, context, logger=logger)
    if job.event in FEEDBACK_EVENTS:
        return on_feedback(job, context, logger=logger)
    try:
        published, _ = execute(job, context, logger=logger)
    except Capped as capped:  # one check run says so; a paused or filtered build stays quiet
        logger.info("capped: %s", capped)
        plan = capped_check_run(job, str(capped), secrets=context.secrets)
        check = context.gateways(job.installation_id).create_check_run(job.repository, plan)
        return Published("capped", check_url=check)
    except Declined as declined:
        logger.info("not acting on this build: %s", declined)
        return Published("declined")
    return published
