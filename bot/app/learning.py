"""Learning in the service: record each redfix pull request, grade what reviewers do with
it, and keep closed fixes in fix memory."""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from connectors.github.remote import clone_at

from bot.app.context import Published, WorkerContext
from bot.app.conversation.classify import classify
from bot.core.errors import ConfigError
from bot.core.github import GitHubGateway
from bot.core.jobs import FixJob
from bot.core.memory import describe_failures, entry_from_record
from bot.core.models import FixOutcome
from bot.core.records import EventKind, FeedbackEvent, FixRecord, FixState
from bot.core.records_ports import Records
from bot.core.redact import redact
from bot.stages.generate.prompting import PROMPT_VERSION
from bot.stages.learn.grading import fix_score, grade, rejection_reasons
from bot.stages.learn.sentiment import sentiment
from bot.stages.learn.survival import changes_by_file, survival
from bot.stages.publish.plans import fix_branch, outcome_digest

KINDS = {
    "merged": EventKind.MERGED,
    "closed": EventKind.CLOSED,
    "approved": EventKind.APPROVED,
    "changes_requested": EventKind.CHANGES_REQUESTED,
    "commented": EventKind.REVIEW,
    "review_comment": EventKind.REVIEW_COMMENT,
}


def timestamp(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text).timestamp() if text else None
    except ValueError:
        return None


def remember_published(
    job: FixJob, outcome: FixOutcome, published: Published, records: Records,
    *, secrets: tuple[str, ...],
) -> None:
    """Link the pull requests to this red build; record the fix redfix proposed."""
    for number in job.pull_requests:
        records.link_pull(job.repository, number, job.to_json())
    if published.pr_number is None:
        return
    records.link_pull(job.repository, published.pr_number, job.to_json())
    before = records.fix(job.repository, published.pr_number)
    digest = outcome_digest(outcome)
    records.record_fix(FixRecord(
        repository=job.repository,
        pr_number=published.pr_number,
        installation_id=job.installation_id,
        signature=digest,
        failure_text=redact(describe_failures(outcome.failures), known_secrets=secrets),
        failure_class=classify(outcome.failures, dict(outcome.reproduction)).value,
        diff=redact(outcome.patch, known_secrets=secrets),
        rationale=redact(outcome.explanation, known_secrets=secrets),
        model=outcome.model,
        prompt_version=PROMPT_VERSION,
        created_at=before.created_at if before else time.time(),
        branch=fix_branch(job, digest),
        pr_url=published.pr_url,
    ))


def merged_survival(job: FixJob, record: FixRecord, gateway: GitHubGateway) -> float | None:
    """The share of redfix's diff in the merge commit (None without one)."""
    if not job.merge_sha or not record.diff.strip():
        return None
    with tempfile.TemporaryDirectory(prefix="redfix-merged-") as scratch:
        checkout = Path(scratch) / "repo"
        clone_at(job.clone_url, checkout, token=gateway.token(), sha=job.merge_sha,
                 default_branch=job.default_branch)
        merged: dict[str, str | None] = {}
        for path in changes_by_file(record.diff):
            target = (checkout / path).resolve()
            inside = target.is_relative_to(checkout.resolve())
            merged[path] = target.read_text(errors="replace") if inside and target.is_file() \
                else None
    return survival(record.diff, merged)


def _event(job: FixJob, kind: EventKind, secrets: tuple[str, ...]) -> FeedbackEvent:
    tone = sentiment(job.text) if job.text.strip() else None
    return FeedbackEvent(
        repository=job.repository, pr_number=job.issue_number or 0, kind=kind,
        delivery_id=job.delivery_id, actor=job.sender, grade=grade(kind, tone), sentiment=tone,
        text=redact(job.text, known_secrets=secrets), at=timestamp(job.created_at) or time.time(),
    )


def on_feedback(
    job: FixJob, context: WorkerContext, *, logger: logging.LoggerAdapter[logging.Logger]
) -> Published:
    records = context.records
    if records is None:
        raise ConfigError("feedback needs redfix's database (REDFIX_DATABASE_URL or the data dir)")
    number = job.issue_number or 0
    record = records.fix(job.repository, number)
    kind = KINDS.get(job.review_state)
    if record is None or kind is None:
        logger.info("no redfix fix recorded for #%s, or no grade for %r", number, job.review_state)
        return Published("ignored")
    if not records.add_event(_event(job, kind, context.secrets)):
        return Published("duplicate")
    state, closed_at, kept = record.state, record.closed_at, record.survival
    if kind is EventKind.MERGED:
        gateway = context.gateways(job.installation_id)
        state, closed_at = FixState.ACCEPTED, time.time()
        kept = merged_survival(job, record, gateway)
    elif kind is EventKind.CLOSED:
        state, closed_at = FixState.REJECTED, time.time()
    events = records.events(job.repository, number)
    score = fix_score(state, survival=kept, events=events)
    updated = replace(record, state=state, closed_at=closed_at, survival=kept, score=score)
    records.record_fix(updated)
    logger.info("feedback %s on #%s: state %s, score %.2f", kind, number, state, score)
    _remember(updated, events, context, logger)
    return Published(f"feedback-{kind}")


def _remember(
    record: FixRecord, events: list[FeedbackEvent], context: WorkerContext,
    logger: logging.LoggerAdapter[logging.Logger],
) -> None:
    if record.state is FixState.OPEN:
        return
    memory = context.memory()
    if memory is None:
        logger.info("fix memory is off: the %s fix is not kept as an example", record.state)
        return
    reasons = rejection_reasons(events) if record.state is FixState.REJECTED else ()
    memory.remember(entry_from_record(record, reasons=reasons))
