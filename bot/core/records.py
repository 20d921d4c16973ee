"""The feedback records: one per redfix pull request, and the events that grade it."""

from __future__ import annotations

from dataclasses import dataclass
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
