"""The seams between the pipeline and the outside world.

Adapters live in connectors/ and are named `<Tech><Port>`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

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


class Progress(Protocol):
    """Where the pipeline says what it is doing (terminal, log, status comment)."""

    def stage(self, message: str) -> None: ...

    def token(self, text: str) -> None: ...


class SilentProgress:
    def stage(self, message: str) -> None:
        pass

    def token(self, text: str) -> None:
        pass
