"""The seams of learning: redfix's database (feedback and conversation state).

`SqlRecords` in connectors/records/ implements both, on SQLite by default or
PostgreSQL by URL.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.records import FeedbackEvent, FixRecord, FixState


class FeedbackStore(Protocol):
    def record_fix(self, record: FixRecord) -> None:
        """Insert or replace the record of the fix in pull request (repository, number)."""

    def fix(self, repository: str, pr_number: int) -> FixRecord | None: ...

    def add_event(self, event: FeedbackEvent) -> bool:
        """Store an event once per delivery id; False when it was stored before."""

    def events(self, repository: str, pr_number: int) -> list[FeedbackEvent]: ...

    def fixes(self, *, state: FixState | None = None) -> list[FixRecord]: ...


class ConversationState(Protocol):
    def refuse_once(self, repository: str, number: int, login: str) -> bool:
        """True the first time `login` is refused on this pull request, False after."""

    def request_stop(self, repository: str, number: int, *, at: str) -> None:
        """Remember that work on this pull request asked for before `at` must stop."""

    def stop_requested(self, repository: str, number: int) -> str:
        """The time of the last stop (ISO 8601, GitHub's clock), or ""."""

    def link_pull(self, repository: str, number: int, job: str) -> None:
        """Remember the red build (a job as JSON) a pull request is about."""

    def linked_job(self, repository: str, number: int) -> str | None: ...


class Records(FeedbackStore, ConversationState, Protocol):
    """redfix's database as the service uses it."""
