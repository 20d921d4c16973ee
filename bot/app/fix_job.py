"""A fix job of the App: clone the red commit, run the pipeline, publish the outcome.

Every step is idempotent, so a job retried after a crash (its lease ran out)
publishes at most one pull request: the branch comes from the failure
signatures and an open pull request from that branch is updated, not duplicated.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from connectors.git import commit_on_branch
from connectors.github.remote import clone_at, push_branch, read_at

from bot.app.caps import RunAccount
from bot.app.context import Logger, LogProgress, Published, WorkerContext
from bot.app.controls import Declined, why_declined
from bot.app.learning import remember_published
from bot.app.pauses import why_paused
from bot.core.config import REPO_CONFIG_PATH, Settings
from bot.core.github import GitHubGateway
from bot.core.jobs import FixJob
from bot.core.models import FixOutcome, FixStatus
from bot.core.ports import FailureGate, LessonRecall, Progress
from bot.pipeline import FixRequest, run_fix
from bot.stages.ingest.artifacts import collect_reports
from bot.stages.publish.plans import check_run_plan
from bot.stages.publish.pull_request import publish_as_comments, publish_pull_request
from bot.wiring.memory import recall_from
from bot.wiring.requests import fix_request
from bot.wiring.settings import resolve_settings


def repository_settings(checkout: Path, job: FixJob, env: Mapping[str, str]) -> Settings:
    """Settings from the DEFAULT branch's .github/redfix.yml: a PR cannot change them."""
    with tempfile.TemporaryDirectory(prefix="redfix-config-") as folder:
        text = read_at(checkout, f"origin/{job.default_branch}", REPO_CONFIG_PATH)
        if text is not None:
            path = Path(folder) / REPO_CONFIG_PATH
            path.parent.mkdir(parents=True)
            path.write_text(text, encoding="utf-8")
        return resolve_settings(Path(folder), options={}, env=env)


def memory_recall(job: FixJob, context: WorkerContext, logger: Logger) -> LessonRecall:
    """The pipeline's fix-memory port for this job: asked once the failures are known, from
    the build's reports or from the pipeline's own run of the suite."""

    return recall_from(context.memory, repository=job.repository,
                       installation_id=job.installation_id, logger=logger)


def execute(
    job: FixJob,
    context: WorkerContext,
    *,
    logger: Logger,
    hint: str = "",
    progress: Progress | None = None,
    asked: bool = False,
) -> tuple[Published, FixOutcome]:
    """Run the pipeline on the job's build and publish what it found; `asked`: a person
    asked for this run (`/redfix fix`), so a failure's cap does not hold it back."""
    gateway = context.gateways(job.installation_id)
    paused = "" if asked else why_paused(job, gateway, context.records)  # a command checked
    if paused:  # before the clone: a paused repository costs one API call
        raise Declined(paused)
    with tempfile.TemporaryDirectory(prefix="redfix-job-") as scratch:
        checkout = Path(scratch) / "repo"
        request = checkout_request(job, context, gateway, checkout, logger=logger, hint=hint)
        declined = why_declined(job, request.settings)
        if declined:
            raise Declined(declined)
        account = _account(job, context, request.settings, checkout, per_failure=not asked)
        try:
            published, outcome = _run_and_publish(job, context, request, gateway, checkout,
                                                  logger=logger, progress=progress,
                                                  gate=account.gate if account else None)
        except BaseException:
            if account is not None:
                account.fail()
            raise
        if account is not None:
            account.finish(outcome, published.status, published.pr_url)
    if context.records is not None:
        remember_published(job, outcome, published, context.records, secrets=request.secrets,
                           hint=hint if outcome.status is FixStatus.FIXED else "")
    return published, outcome


def _account(job: FixJob, context: WorkerContext, settings: Settings, checkout: Path,
             *, per_failure: bool) -> RunAccount | None:
    """The run in the ledger, checked against the daily cap (None without a database)."""
    if context.records is None:
        return None
    account = RunAccount(context.records, job, settings, checkout, per_failure=per_failure)
    account.start()
    return account


def _run_and_publish(
    job: FixJob, context: WorkerContext, request: FixRequest, gateway: GitHubGateway,
    checkout: Path, *, logger: Logger, progress: Progress | None, gate: FailureGate | None,
) -> tuple[Published, FixOutcome]:
    services = context.services(
        request.settings, progress or LogProgress(logger), memory_recall(job, context, logger)
    )
    services.gate = gate
    outcome = run_fix(request, services)
    logger.info("pipeline finished: %s", outcome.status)
    if progress is not None:  # a command's last chance to honour `/redfix stop`
        progress.stage(f"publish: {outcome.status}")
    published = publish(job, outcome, gateway, checkout=checkout, settings=request.settings,
                        secrets=request.secrets, reports=len(request.reports))
    return published, outcome


def checkout_request(
    job: FixJob,
    context: WorkerContext,
    gateway: GitHubGateway,
    checkout: Path,
    *,
    logger: Logger,
    hint: str,
) -> FixRequest:
    """Clone the job's commit into `checkout` and gather what the pipeline needs to fix it."""
    logger.info("cloning %s at %s", job.repository, job.head_sha[:12])
    clone_at(job.clone_url, checkout, token=gateway.token(), sha=job.head_sha,
             default_branch=job.default_branch)
    settings = repository_settings(checkout, job, context.env)
    reports = collect_reports(job, gateway, settings, logger)
    secrets = (*context.secrets, gateway.token())
    return fix_request(checkout, settings, reports=reports, secrets=secrets, hint=hint)


def publish(
    job: FixJob,
    outcome: FixOutcome,
    gateway: GitHubGateway,
    *,
    checkout: Path,
    settings: Settings,
    secrets: tuple[str, ...],
    reports: int = 0,
) -> Published:
    def push(patch: str, branch: str, message: str) -> None:
        commit_on_branch(checkout, patch, branch=branch, message=message)
        push_branch(checkout, branch, token=gateway.token())

    comment_mode = settings.mode == "comment"
    if comment_mode:  # a dry run: the fix is shown, nothing is pushed
        pull = publish_as_comments(
            job, outcome, gateway, test_command=settings.test_command, secrets=secrets
        )
    else:
        pull = publish_pull_request(
            job, outcome, gateway, push=push, test_command=settings.test_command, secrets=secrets,
            draft=settings.draft, max_open=settings.max_open_pulls,
        )
    unproposed = "comment mode; the diff is below, nothing was pushed" if comment_mode else ""
    plan = check_run_plan(job, outcome, pr_url=pull.pr_url, secrets=secrets,
                          unproposed=pull.held_back or unproposed)
    check = gateway.create_check_run(job.repository, plan)
    status = "held-back" if pull.held_back else str(outcome.status)
    return Published(status, pr_url=pull.pr_url, check_url=check, reports=reports,
                     pr_number=pull.pr_number)
