"""Wrappers at the two ports that count what a run cost: model calls and test runs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.core.models import ChatMessage, Completion, GenerationOptions
from bot.core.ports import AIServiceConnector, SandboxRunner, TokenCallback
from bot.core.results import RunOutcome, RunSpec
from bot.evaluation.results import TaskRun


@dataclass
class MeteredConnector:
    """Every completion and the wall time spent waiting for it (retries included)."""

    inner: AIServiceConnector
    completions: list[Completion] = field(default_factory=list)
    seconds: float = 0.0
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def ensure_model(self, model: str) -> None:
        self.inner.ensure_model(model)

    def context_tokens(self, model: str) -> int | None:
        return self.inner.context_tokens(model)

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: GenerationOptions,
        on_token: TokenCallback | None = None,
    ) -> Completion:
        started = time.monotonic()
        try:
            completion = self.inner.complete(
                messages, model=model, options=options, on_token=on_token
            )
        finally:
            self.seconds += time.monotonic() - started
        self.completions.append(completion)
        return completion

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.completions)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.completions)


@dataclass
class TimedRunner:
    """The wall time of every sandbox run (copying the tree included)."""

    inner: SandboxRunner
    seconds: float = 0.0
    runs: int = 0
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        self.kind = self.inner.kind

    def run(self, spec: RunSpec) -> RunOutcome:
        started = time.monotonic()
        try:
            return self.inner.run(spec)
        finally:
            self.seconds += time.monotonic() - started
            self.runs += 1


def with_costs(
    run: TaskRun, metered: MeteredConnector, timed: TimedRunner, *, wall_seconds: float
) -> TaskRun:
    """`run` with what its model calls and test runs cost."""
    return replace(
        run,
        model_calls=len(metered.completions),
        prompt_tokens=metered.prompt_tokens,
        completion_tokens=metered.completion_tokens,
        model_seconds=metered.seconds,
        test_seconds=timed.seconds,
        wall_seconds=wall_seconds,
    )
