"""The feedback records: one per redfix pull request, and the events that grade it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class FixState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # merged
    REJECTED = "rejected"  # closed without merge


class EventKind(StrEnum):
    MERGED = "merged"
    CLOSED = "closed"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REVIEW = "review"  # a review that only comments
    REVIEW_COMMENT = "review_comment"  # a comment on a line of the diff
    COMMENT = "comment"  # a comment on the pull request's conversation


@dataclass(frozen=True)
class FixRecord:
    """A fix redfix proposed in a pull request, and what became of it."""

    repository: str
    pr_number: int
    installation_id: int
    signature: str  # the failure digest the branch is named after
    failure_text: str  # failing tests and messages, redacted
    failure_class: str
    diff: str
    rationale: str
    model: str
    prompt_version: str
    created_at: float
    branch: str = ""
    pr_url: str = ""
    state: FixState = FixState.OPEN
    closed_at: float | None = None
    survival: float | None = None  # share of redfix's diff found in the merged code
    score: float = 0.0  # -1 (rejected, disliked) .. 1 (merged as is, praised)
    hint: str = ""  # what a person told redfix (`/redfix fix <hint>`) for this fix


@dataclass(frozen=True)
class FeedbackEvent:
    repository: str
    pr_number: int
    kind: EventKind
    delivery_id: str  # one event per webhook delivery: redeliveries are not counted twice
    actor: str = ""
    grade: float = 0.0
    sentiment: float | None = None
    text: str = ""  # sanitised and redacted
    at: float = 0.0


@dataclass(frozen=True)
class JobRun:
    """One run of the fix pipeline by the App, counted against the repository's caps.

    `suspects` maps the files the failure pointed at (its tests, the files the attempts
    changed) to a digest of their text: when one of them changes, the failure gets a new
    chance even if its signature was tried before."""

    repository: str
    head_sha: str
    started_at: float
    run_id: int = 0  # given by the store
    signature: str = ""  # empty until the failures are known
    status: str = "running"  # a FixStatus, or running | failed
    suspects: Mapping[str, str] = field(default_factory=dict)
    finished_at: float | None = None
    pr_url: str = ""
    limits: Mapping[str, int] = field(default_factory=dict)  # the caps in force at the start


@dataclass(frozen=True)
class Pause:
    """`/redfix stop` on a pull request (number) or an issue (number 0: the repository)."""

    repository: str
    number: int
    by: str
    at: str  # GitHub's time of the command (ISO 8601)
