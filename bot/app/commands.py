"""Running a `/redfix` command from a pull-request comment.

Permission first (the permission API; others get one polite refusal, ever),
then 👀 on the comment and one status comment edited as the work proceeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.app.context import Published, WorkerContext
from bot.app.controls import Declined
from bot.app.conversation.commands import Command, CommandKind
from bot.app.conversation.permission import Verdict, verdict_for
from bot.app.conversation.status import Phase, Status, help_text, refusal_marker, refusal_text
from bot.app.explaining import explain_build, tests_for_pull
from bot.app.fix_job import execute
from bot.app.pauses import why_paused
from bot.app.status_board import StatusBoard, StatusProgress, StopRequested
from bot.core.errors import ConfigError, RedfixError
from bot.core.github import CommentPlan, GitHubGateway, PullInfo
from bot.core.github_errors import GitHubError
from bot.core.jobs import FixJob
from bot.core.models import FixOutcome, FixStatus
from bot.core.records import Pause
from bot.core.records_ports import Records
from bot.core.redact import redact
from bot.stages.generate.prompting import render

Logger = logging.LoggerAdapter[logging.Logger]
Runner = Callable[[FixJob, WorkerContext, StatusProgress, Logger], str]


def _records(context: WorkerContext) -> Records:
    if context.records is None:
        raise ConfigError("commands need redfix's database (REDFIX_DATABASE_URL or the data dir)")
    return context.records


def _verdict(gateway: GitHubGateway, job: FixJob) -> Verdict:
    permission, role = gateway.permission(job.repository, job.sender)
    return verdict_for(permission, role_name=role)


def target_job(job: FixJob, pull: PullInfo, records: Records) -> FixJob:
    """The red build a command on this pull request is about: the one redfix answered
    before (linked), else the pull request's head."""
    linked = records.linked_job(job.repository, pull.number)
    if linked is not None:
        return FixJob.from_json(linked)
    return FixJob(
        delivery_id=job.delivery_id, event="issue_comment", installation_id=job.installation_id,
        repository=job.repository, clone_url=job.clone_url, default_branch=job.default_branch,
        head_sha=pull.head_sha, head_branch=pull.head_ref, pull_requests=(pull.number,),
        from_fork=pull.from_fork,
    )


def fix_result(outcome: FixOutcome, published: Published) -> str:
    return render(
        "fix_status.j2",
        status=str(outcome.status),
        fixed=outcome.status is FixStatus.FIXED,
        low_confidence=outcome.status is FixStatus.LOW_CONFIDENCE,
        pr_url=published.pr_url,
        explanation=outcome.explanation.strip(),
        failing=[case.key for case in outcome.failures[:10]],
    )


def thread_hint(job: FixJob, records: Records) -> str:
    """`/redfix fix <hint>` keeps its hint for this pull request; `/redfix retry` reuses the
    last hint given there (a plain `/redfix fix` runs without one and keeps it for retry)."""
    number = job.issue_number or 0
    if job.command == CommandKind.FIX:
        if job.text.strip():
            records.keep_hint(job.repository, number, job.text.strip())
        return job.text.strip()
    return records.last_hint(job.repository, number)


def _fix(job: FixJob, context: WorkerContext, progress: StatusProgress, logger: Logger) -> str:
    gateway = context.gateways(job.installation_id)
    pull = gateway.pull_info(job.repository, job.issue_number or 0)
    records = _records(context)
    target = target_job(job, pull, records)
    hint = thread_hint(job, records)
    published, outcome = execute(target, context, logger=logger, hint=hint, progress=progress,
                                 asked=True)
    return fix_result(outcome, published)


def _explain(job: FixJob, context: WorkerContext, progress: StatusProgress, logger: Logger) -> str:
    gateway = context.gateways(job.installation_id)
    pull = gateway.pull_info(job.repository, job.issue_number or 0)
    return explain_build(target_job(job, pull, _records(context)), context, progress, logger)


def _tests(job: FixJob, context: WorkerContext, progress: StatusProgress, logger: Logger) -> str:
    gateway = context.gateways(job.installation_id)
    pull = gateway.pull_info(job.repository, job.issue_number or 0)
    return tests_for_pull(job, pull, context, progress, logger)


RUNNERS: dict[str, Runner] = {
    CommandKind.FIX: _fix, CommandKind.RETRY: _fix, CommandKind.EXPLAIN: _explain,
    CommandKind.TESTS: _tests,
}


def _refuse(job: FixJob, gateway: GitHubGateway, records: Records) -> Published:
    number = job.issue_number or 0
    if records.refuse_once(job.repository, number, job.sender):
        plan = CommentPlan(number, refusal_marker(job.sender), refusal_text(job.sender))
        gateway.upsert_comment(job.repository, plan)
        return Published("refused")
    return Published("refused-again")


def _permission_unknown(job: FixJob, context: WorkerContext, gateway: GitHubGateway,
                        error: GitHubError, logger: Logger) -> Published:
    """The lookup failed (an outage, a rate limit, bad credentials): neither run nor refuse,
    say so in the status comment."""
    logger.warning("could not check %s's permission: %s", job.sender, error)
    board = StatusBoard(gateway, job.repository, job.issue_number or 0,
                        Status(job.command, job.sender), secrets=context.secrets)
    why = "GitHub did not answer (an outage or its rate limit)" if error.retryable else \
        f"GitHub refused the lookup (HTTP {error.status or 'error'})"
    board.finish(Phase.FAILED, f"redfix could not check whether @{job.sender} has write access: "
                 f"{why}, so it started nothing. Please try `/redfix {job.command}` again in a "
                 "few minutes.")
    return Published("permission-unknown")


INTERNAL_ERROR = (
    "redfix broke on an internal error (the service log has the details). "
    "Try again with `/redfix retry`."
)


def run_command(job: FixJob, context: WorkerContext, *, logger: Logger) -> Published:
    records = _records(context)
    gateway = context.gateways(job.installation_id)
    try:
        verdict = _verdict(gateway, job)
    except GitHubError as exc:
        return _permission_unknown(job, context, gateway, exc, logger)
    if verdict is not Verdict.ALLOWED:
        logger.info("%s may not command redfix on #%s", job.sender, job.issue_number)
        return _refuse(job, gateway, records)
    if job.comment_id is not None:
        gateway.add_reaction(job.repository, job.comment_id, "eyes")
    number = job.issue_number or 0
    board = StatusBoard(gateway, job.repository, number, Status(job.command, job.sender),
                        secrets=context.secrets)
    if job.command in (CommandKind.STOP, CommandKind.RESUME):
        return _stop_or_resume(job, board, records)
    if job.command not in RUNNERS:
        board.finish(Phase.DONE, help_text(Command(CommandKind.HELP, unknown=job.text)))
        return Published("help")
    paused = why_paused(job, gateway, records)
    if paused:
        board.finish(Phase.STOPPED, f"Not started: {paused}.")
        return Published("paused")
    return _run(job, context, board, records, logger)


def _stop_or_resume(job: FixJob, board: StatusBoard, records: Records) -> Published:
    """`/redfix stop` ends the work under way and pauses redfix on the pull request (on an
    issue: in the repository) until `/redfix resume` there."""
    number = 0 if job.on_issue else job.issue_number or 0
    where = f"in {job.repository}" if job.on_issue else "on this pull request"
    if job.command == CommandKind.RESUME:
        lifted = records.resume(job.repository, number)
        board.finish(Phase.DONE, f"redfix goes on {where}." if lifted
                     else f"redfix was not paused {where}: nothing to resume.")
        return Published("resumed" if lifted else "not-paused")
    if not job.on_issue:
        records.request_stop(job.repository, number, at=job.created_at)
    records.pause(Pause(job.repository, number, by=job.sender, at=job.created_at))
    board.finish(Phase.DONE, f"redfix stopped its work {where} and is paused there: it "
                 "pushes nothing more and starts no work on new builds or commands until "
                 "someone with write access comments `/redfix resume` here.")
    return Published("stopped")


def _run(job: FixJob, context: WorkerContext, board: StatusBoard, records: Records,
         logger: Logger) -> Published:
    progress = StatusProgress(board, records, job.created_at)
    try:
        progress.check()
        board.show()
        result = RUNNERS[job.command](job, context, progress, logger)
    except StopRequested:
        board.finish(Phase.STOPPED, "Stopped by `/redfix stop`; nothing more was pushed.")
        return Published("stopped")
    except Declined as declined:  # the default branch's settings, not a failure to retry
        board.finish(Phase.FAILED, redact(str(declined), known_secrets=context.secrets))
        return Published("declined")
    except RedfixError as exc:
        logger.warning("/redfix %s failed: %s", job.command, exc)
        message = redact(str(exc), known_secrets=context.secrets)
        board.finish(Phase.FAILED, f"{message}\n\nTry again with `/redfix retry`.")
        return Published("failed")
    except Exception:  # a bug or an OSError: the comment must not stay at "working"
        board.finish(Phase.FAILED, INTERNAL_ERROR)
        raise  # the worker logs it and records the job as failed (or retries it)
    board.finish(Phase.DONE, result)
    return Published(f"{job.command}-done")
