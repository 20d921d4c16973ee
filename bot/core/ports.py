"""The seams between the pipeline and the outside world.

Adapters live in connectors/ and are named `<Tech><Port>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from bot.core.history import Commit
from bot.core.models import ChatMessage, Completion, GenerationOptions, Lessons
from bot.core.results import RunOutcome, RunSpec, TestCase

TokenCallback = Callable[[str], None]
# Fix memory: what reviewers taught redfix about failures like these (examples, objections).
LessonRecall = Callable[[Sequence[TestCase]], Lessons]
# The App's caps: why the pipeline must not try these failures again (its budget for them is
# spent), or "" to go on. Asked once the failures are known, before anything runs.
FailureGate = Callable[[Sequence[TestCase]], str]


class AIServiceConnector(Protocol):
    """A chat model behind some server."""

    name: str

    def ensure_model(self, model: str) -> None:
        """Raise ModelServiceUnreachable or ModelNotFound (with what to do) if unusable."""

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: GenerationOptions,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        """One chat completion; streams tokens to `on_token` as they arrive."""

    def context_tokens(self, model: str) -> int | None:
        """The model's context window as its server reports it; None if it does not say."""


class SandboxRunner(Protocol):
    """Runs a command over a copy of a repository, isolated from the host's files."""

    kind: str

    def run(self, spec: RunSpec) -> RunOutcome:
        """Run to completion, timeout or limit; never modifies `spec.source`."""


class History(Protocol):
    """A repository's commits (git): read, never changed; `repo` is its work tree."""

    def resolve(self, repo: Path, revision: str) -> str:
        """The full commit id; UsageError naming `revision` when it names no commit."""

    def is_ancestor(self, repo: Path, older: str, newer: str) -> bool: ...

    def commits(self, repo: Path, good: str, bad: str) -> tuple[Commit, ...]:
        """The commits after `good` up to `bad` (included), oldest first, one line."""

    def diff(self, repo: Path, old: str, new: str | None, *, context: int = 3) -> str:
        """The unified diff from `old` to `new` (None: to the work tree)."""

    def checkout(self, repo: Path, sha: str) -> AbstractContextManager[Path]:
        """A scratch directory holding the tree at `sha`, removed on exit."""

    def reverted(self, repo: Path, sha: str) -> Mapping[str, str] | None:
        """The work tree's files that reverting `sha` changes, with their new text (a
        deleted file as ""); None when the revert does not apply cleanly."""


class Progress(Protocol):
    """Where the pipeline says what it is doing (terminal, log, status comment)."""

    def stage(self, message: str) -> None: ...

    def token(self, text: str) -> None: ...


class SilentProgress:
    def stage(self, message: str) -> None:
        pass

    def token(self, text: str) -> None:
        pass
