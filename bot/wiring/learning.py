"""Learning for every surface: the fix record of a proposed fix, a reviewer's verdict on
it, and the closed fix kept in fix memory. The App (merges, closes, reviews), the Action
(`redfix learn` on a closed pull request) and the CLI (`redfix feedback`) all record
through here, into one database and one memory."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from connectors.github.remote import clone_at
from connectors.records.sql import SqlRecords, database_url

from bot.core.memory import describe_failures, entry_from_record
from bot.core.models import FixOutcome
from bot.core.records import EventKind, FeedbackEvent, FixRecord, FixState
from bot.core.records_ports import Records
from bot.core.redact import redact
from bot.stages.generate.prompting import PROMPT_VERSION
from bot.stages.learn.classify import classify
from bot.stages.learn.grading import fix_score, grade, rejection_reasons
from bot.stages.learn.recall import FixMemory
from bot.stages.learn.sentiment import sentiment
from bot.stages.learn.survival import changes_by_file, survival
from bot.stages.publish.plans import outcome_digest
from bot.wiring.settings import data_dir

log = logging.getLogger("redfix.learning")
Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

KINDS = {
    "merged": EventKind.MERGED,
    "closed": EventKind.CLOSED,
    "approved": EventKind.APPROVED,
    "changes_requested": EventKind.CHANGES_REQUESTED,
    "commented": EventKind.REVIEW,
    "review_comment": EventKind.REVIEW_COMMENT,
}


def open_records(env: Mapping[str, str], directory: Path | None = None) -> SqlRecords:
    """redfix's database: REDFIX_DATABASE_URL, else SQLite in the data directory (`directory`,
    else the one of REDFIX_DATA_DIR)."""
    return SqlRecords(database_url(env, directory or data_dir(env)))


def cli_repository(env: Mapping[str, str], given: str = "") -> str:
    """The repository a CLI run is about, as fix memory scopes it: --repository, else
    GITHUB_REPOSITORY (set on a runner), else "local"."""
    return given.strip() or env.get("GITHUB_REPOSITORY", "").strip() or "local"


def timestamp(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text).timestamp() if text else None
    except ValueError:
        return None


def fix_record(
    outcome: FixOutcome, *, repository: str, number: int, installation_id: int,
    branch: str, pr_url: str, secrets: tuple[str, ...], before: FixRecord | None = None,
    hint: str = "",
) -> FixRecord:
    """The record of a fix redfix proposed (still open), everything in it redacted."""
    return FixRecord(
        repository=repository,
        pr_number=number,
        installation_id=installation_id,
        signature=outcome_digest(outcome),
        failure_text=redact(describe_failures(outcome.failures), known_secrets=secrets),
        failure_class=classify(outcome.failures, dict(outcome.reproduction)).value,
        diff=redact(outcome.patch, known_secrets=secrets),
        rationale=redact(outcome.explanation, known_secrets=secrets),
        model=outcome.model,
        prompt_version=PROMPT_VERSION,
        created_at=before.created_at if before else time.time(),
        branch=branch,
        pr_url=pr_url,
        hint=redact(hint.strip(), known_secrets=secrets),
    )


def feedback_event(
    repository: str, number: int, kind: EventKind, *, delivery_id: str, actor: str, text: str,
    at: str, secrets: tuple[str, ...],
) -> FeedbackEvent:
    """A reviewer's event, graded; `delivery_id` makes a repeated event count once."""
    tone = sentiment(text) if text.strip() else None
    return FeedbackEvent(
        repository=repository, pr_number=number, kind=kind, delivery_id=delivery_id,
        actor=actor, grade=grade(kind, tone), sentiment=tone,
        text=redact(text, known_secrets=secrets), at=timestamp(at) or time.time(),
    )


def merged_survival(
    record: FixRecord, *, clone_url: str, merge_sha: str, default_branch: str, token: str
) -> float | None:
    """The share of redfix's diff in the merge commit (None without one)."""
    if not merge_sha or not record.diff.strip():
        return None
    with tempfile.TemporaryDirectory(prefix="redfix-merged-") as scratch:
        checkout = Path(scratch) / "repo"
        clone_at(clone_url, checkout, token=token, sha=merge_sha, default_branch=default_branch)
        merged: dict[str, str | None] = {}
        for path in changes_by_file(record.diff):
            target = (checkout / path).resolve()
            inside = target.is_relative_to(checkout.resolve())
            merged[path] = target.read_text(errors="replace") if inside and target.is_file() \
                else None
    return survival(record.diff, merged)


def record_verdict(
    records: Records, record: FixRecord, event: FeedbackEvent, *,
    memory: Callable[[], FixMemory | None], kept: Callable[[], float | None] = lambda: None,
    logger: Logger = log,
) -> FixRecord | None:
    """Grade the fix with this event: a merge accepts it (`kept`: how much of its diff
    survived), a close rejects it; a closed fix goes to fix memory (accepted: a worked
    example; rejected: the reviewers' objections). None when the event was recorded before."""
    if not records.add_event(event):
        return None
    state, closed_at, survived = record.state, record.closed_at, record.survival
    if event.kind is EventKind.MERGED:
        state, closed_at, survived = FixState.ACCEPTED, time.time(), kept()
    elif event.kind is EventKind.CLOSED:
        state, closed_at = FixState.REJECTED, time.time()
    events = records.events(record.repository, record.pr_number)
    score = fix_score(state, survival=survived, events=events)
    updated = replace(record, state=state, closed_at=closed_at, survival=survived, score=score)
    records.record_fix(updated)
    logger.info("feedback %s on %s#%s: state %s, score %.2f", event.kind, record.repository,
                record.pr_number, state, score)
    remember(updated, events, memory, logger=logger)
    return updated


def remember(
    record: FixRecord, events: list[FeedbackEvent], memory: Callable[[], FixMemory | None], *,
    logger: Logger = log,
) -> bool:
    """Keep a closed fix in fix memory; False when it is open or memory is off."""
    if record.state is FixState.OPEN:
        return False
    loaded = memory()
    if loaded is None:
        logger.info("fix memory is off: the %s fix is not kept as an example", record.state)
        return False
    reasons = rejection_reasons(events) if record.state is FixState.REJECTED else ()
    loaded.remember(entry_from_record(record, reasons=reasons))
    return True
