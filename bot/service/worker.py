"""Running one job: clone the red commit, run the pipeline, publish the outcome.

Every step is idempotent, so a job retried after a crash (its lease ran out)
publishes at most one pull request: the branch comes from the failure
signatures and an open pull request from that branch is updated, not duplicated.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from connectors.git import commit_on_branch
from connectors.github.remote import clone_at, push_branch, read_at

from bot.config import REPO_CONFIG_PATH, Settings, resolve_settings
from bot.errors import RedfixError, ReportError
from bot.feedback.ports import Records
from bot.ingest import parse_report_bytes
from bot.memory.recall import FixMemory
from bot.models import FixOutcome, Lessons, TestCase, TestReport
from bot.pipeline import FixRequest, Services, run_fix
from bot.ports import LessonRecall, Progress
from bot.project_detect import detect_project
from bot.service.gateway import GitHubGateway
from bot.service.jobs import FixJob
from bot.service.logs import failures_in_log
from bot.service.publishing import (
    check_run_plan,
    comment_plans,
    failure_check_run,
    pull_request_plan,
)
from bot.service.store import Claim, JobState, Store, result_json

DEFAULT_REPORT_GLOBS = ("*.xml",)
log = logging.getLogger("redfix.worker")


class JobBusy(Exception):
    """Another job of the same repository and branch is running: the queue retries later."""


@dataclass
class WorkerContext:
    store: Store
    gateways: Callable[[int], GitHubGateway]
    services: Callable[[Settings, logging.LoggerAdapter[logging.Logger]], Services]
    env: Mapping[str, str]
    secrets: tuple[str, ...] = ()
    lease_s: float = 60.0
    records: Records | None = None  # feedback and conversation state (redfix's database)
    memory: Callable[[], FixMemory | None] = lambda: None  # loaded on first use


@dataclass(frozen=True)
class Published:
    status: str
    pr_url: str = ""
    check_url: str = ""
    reports: int = 0
    pr_number: int | None = None


class LogProgress:
    """Pipeline progress as log lines tagged with the delivery and job ids."""

    def __init__(self, logger: logging.LoggerAdapter[logging.Logger]) -> None:
        self.logger = logger

    def stage(self, message: str) -> None:
        self.logger.info(message)

    def token(self, text: str) -> None:
        pass


def job_logger(job: FixJob) -> logging.LoggerAdapter[logging.Logger]:
    return logging.LoggerAdapter(
        log, {"delivery_id": job.delivery_id, "job_id": job.job_id, "repo": job.repository}
    )


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
            from bot.service.dispatch import handle  # it builds on this module

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
    logger: logging.LoggerAdapter[logging.Logger],
) -> None:
    """Best effort: say on the commit that redfix could not finish, and why."""
    if not job.head_sha or job.issue_number is not None:
        return  # a command or feedback job: its status comment says what went wrong
    plan = failure_check_run(job, str(exc), secrets=context.secrets)
    try:
        context.gateways(job.installation_id).create_check_run(job.repository, plan)
    except RedfixError as again:
        logger.warning("could not report the failure on GitHub either: %s", again)


def repository_settings(checkout: Path, job: FixJob, env: Mapping[str, str]) -> Settings:
    """Settings from the DEFAULT branch's .github/redfix.yml: a PR cannot change them."""
    with tempfile.TemporaryDirectory(prefix="redfix-config-") as folder:
        text = read_at(checkout, f"origin/{job.default_branch}", REPO_CONFIG_PATH)
        if text is not None:
            path = Path(folder) / REPO_CONFIG_PATH
            path.parent.mkdir(parents=True)
            path.write_text(text, encoding="utf-8")
        return resolve_settings(Path(folder), options={}, env=env)


def collect_reports(
    job: FixJob,
    gateway: GitHubGateway,
    settings: Settings,
    logger: logging.LoggerAdapter[logging.Logger],
) -> tuple[TestReport, ...]:
    """JUnit reports from the run's artifacts, else the failing tests its failed jobs' logs
    name; none means the pipeline runs the whole suite to find the failures itself."""
    if job.run_id is None:
        return ()
    globs = settings.reports or DEFAULT_REPORT_GLOBS
    reports = []
    for found in gateway.report_files(job.repository, job.run_id, tuple(globs)):
        try:
            reports.append(parse_report_bytes(found.data, source=found.name))
        except ReportError as exc:
            logger.info("artifact %s is not a JUnit report: %s", found.name, exc)
    if any(report.failures for report in reports):
        return tuple(reports)
    logs = gateway.failed_job_logs(job.repository, job.run_id)
    named = [failures_in_log(text, source=f"log of job {name}") for name, text in logs.items()]
    named = [report for report in named if report.failures]
    logger.info(
        "no failing JUnit report in the artifacts; the logs of %s name %d failing test(s)%s",
        ", ".join(logs) or "no failed job",
        sum(len(report.failures) for report in named),
        "" if named else ": running the suite",
    )
    return tuple(named)


def memory_recall(
    job: FixJob, context: WorkerContext, logger: logging.LoggerAdapter[logging.Logger]
) -> LessonRecall:
    """The pipeline's fix-memory port for this job: asked once the failures are known, from
    the build's reports or from the pipeline's own run of the suite."""

    def recall(failures: Sequence[TestCase]) -> Lessons:
        memory = context.memory()
        if memory is None or not failures:
            return Lessons()
        from bot.memory.entries import describe_failures

        lessons = memory.lessons(
            describe_failures(failures),
            repository=job.repository,
            installation_id=job.installation_id,
        )
        logger.info(
            "fix memory: %d worked example(s), %d objection(s)",
            len(lessons.examples),
            len(lessons.avoid),
        )
        return lessons

    return recall


def execute(
    job: FixJob,
    context: WorkerContext,
    *,
    logger: logging.LoggerAdapter[logging.Logger],
    hint: str = "",
    progress: Progress | None = None,
) -> tuple[Published, FixOutcome]:
    gateway = context.gateways(job.installation_id)
    with tempfile.TemporaryDirectory(prefix="redfix-job-") as scratch:
        checkout = Path(scratch) / "repo"
        request = checkout_request(job, context, gateway, checkout, logger=logger, hint=hint)
        services = context.services(request.settings, logger)
        services.recall = memory_recall(job, context, logger)
        if progress is not None:
            services.progress = progress
        outcome = run_fix(request, services)
        logger.info("pipeline finished: %s", outcome.status)
        if progress is not None:  # a command's last chance to honour `/redfix stop`
            progress.stage(f"publish: {outcome.status}")
        published = publish(job, outcome, gateway, checkout=checkout, settings=request.settings,
                            secrets=request.secrets, reports=len(request.reports))
    if context.records is not None:
        from bot.service.learning import remember_published

        remember_published(job, outcome, published, context.records, secrets=request.secrets)
    return published, outcome


def checkout_request(
    job: FixJob,
    context: WorkerContext,
    gateway: GitHubGateway,
    checkout: Path,
    *,
    logger: logging.LoggerAdapter[logging.Logger],
    hint: str,
) -> FixRequest:
    """Clone the job's commit into `checkout` and gather what the pipeline needs to fix it."""
    logger.info("cloning %s at %s", job.repository, job.head_sha[:12])
    clone_at(job.clone_url, checkout, token=gateway.token(), sha=job.head_sha,
             default_branch=job.default_branch)
    settings = repository_settings(checkout, job, context.env)
    reports = collect_reports(job, gateway, settings, logger)
    detected = detect_project(checkout)
    return FixRequest(
        repo=checkout,
        settings=settings,
        reports=reports,
        secrets=(*context.secrets, gateway.token()),
        setup=tuple(settings.setup if settings.setup is not None else detected.setup),
        dependency_files=tuple(detected.dependency_files),
        hint=hint,
    )


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
    plan = pull_request_plan(job, outcome, test_command=settings.test_command, secrets=secrets)
    pr_url, pr_number = "", None
    if plan is not None:
        commit_on_branch(checkout, outcome.patch, branch=plan.branch, message=plan.title)
        push_branch(checkout, plan.branch, token=gateway.token())
        existing = gateway.find_open_pull(job.repository, plan.branch)
        if existing is None:
            ref = gateway.create_pull(job.repository, plan)
        else:
            ref = gateway.update_pull(job.repository, existing.number, plan)
        pr_url, pr_number = ref.url, ref.number
    for comment in comment_plans(job, outcome, pr_url=pr_url, secrets=secrets):
        gateway.upsert_comment(job.repository, comment)
    check = gateway.create_check_run(
        job.repository, check_run_plan(job, outcome, pr_url=pr_url, secrets=secrets)
    )
    return Published(
        str(outcome.status), pr_url=pr_url, check_url=check, reports=reports, pr_number=pr_number
    )
