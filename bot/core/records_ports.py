"""The seams of learning: redfix's database (feedback and conversation state).

`SqlRecords` in connectors/records/ implements both, on SQLite by default or
PostgreSQL by URL.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.records import FeedbackEvent, FixRecord, FixState, JobRun, Pause


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

    def keep_hint(self, repository: str, number: int, hint: str) -> None:
        """The hint of the last `/redfix fix <hint>` on this pull request (for `retry`)."""

    def last_hint(self, repository: str, number: int) -> str: ...

    def pause(self, pause: Pause) -> None:
        """Pause redfix on a pull request (or, with number 0, the repository)."""

    def resume(self, repository: str, number: int) -> bool:
        """Lift the pause; False when there was none."""

    def pauses(self, repository: str) -> list[Pause]: ...


class RunLedger(Protocol):
    """The App's runs of the pipeline, for the caps and the dashboard."""

    def start_run(self, run: JobRun) -> int:
        """Record a run as it starts; its id."""

    def update_run(self, run: JobRun) -> None:
        """Store what became known of the run `run.run_id` (signature, status, suspects)."""

    def runs(self, *, repository: str | None = None, since: float = 0.0) -> list[JobRun]:
        """Runs started at `since` or later, oldest first."""

    def runs_of(self, repository: str, signature: str) -> list[JobRun]: ...


class Records(FeedbackStore, ConversationState, RunLedger, Protocol):
    """redfix's database as the service uses it."""
