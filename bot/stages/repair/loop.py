"""The repair loop: rounds of candidates, and which validated candidate may be published.

Round 1 starts with the model's first choice (temperature 0), shown the whole suspect
file when it is small (and the ranked spans too if that gives no usable change), else the
ranked spans; sampled candidates explore after it. Later rounds learn from the failures
of the round before. A pass of round 1 is published. A pass of a later round is
published only if another candidate of its round passes too: those candidates were
written after seeing earlier ones fail and the values the tests expect, and a lone one
may fit the tests without being right (on the evaluation, 2 of the 3 lone later-round
passes were wrong fixes, against 1 of 6 in round 1). It is reported with its diff for a
human to judge, never opened as a PR.

Prompts are sized to the model's context window, asked of its server once per run; a
candidate for which no prompt fitted is recorded as such (prompt-too-long), and the
loop goes on.

A useless answer changes the next question of its round, never just the seed: after an
answer cut at the token limit the next one gets twice the room (up to MAX_ANSWER_TOKENS,
the code shown shrinking to fit) and is asked for the changed lines only; after an
answer that repeats an earlier one, the model is told so; after one that held no usable
edit (the code given back unchanged, a block that does not apply, a change to the tests,
a gutted function, a change only to code the failing tests never run), it is told why
and asked for SEARCH/REPLACE blocks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace

from bot.core.config import Settings
from bot.core.diffs import diff_size
from bot.core.models import (
    Attempt,
    AttemptStatus,
    FixOutcome,
    FixStatus,
    GenerationOptions,
)
from bot.core.ports import AIServiceConnector, Progress
from bot.stages.generate.ask import (
    DEFAULT_CONTEXT_TOKENS,
    AttemptContext,
    Generated,
    context_window,
    generate,
    generate_whole_file,
    whole_file_suspect,
)
from bot.stages.generate.prompting import PreviousAttempt, Window
from bot.stages.repair.attempt import edits_fingerprint, try_candidate
from bot.stages.reproduce.suite import Suite

Measure = Callable[[str], AbstractContextManager[None]]
# A first choice that gave no usable change (the file back unchanged, say) is no answer:
# the ranked-spans first choice is asked too, before sampling; so is a whole file too
# long for the model's window.
UNANSWERED = (
    AttemptStatus.NO_EDITS, AttemptStatus.EDIT_DID_NOT_APPLY, AttemptStatus.PROMPT_TOO_LONG
)
MAX_ANSWER_TOKENS = 4096
CUT_OFF = (
    "Your answer stopped at the {tokens}-token limit before its end, so none of it could be "
    "used. Answer with SEARCH/REPLACE blocks that hold only the lines that change, not "
    "whole functions."
)
# Answers refused before any test ran (on tornado-2, 2 answers changed the failing test and
# 6 more repeated earlier answers).
UNUSABLE_STATUSES = (
    AttemptStatus.NO_EDITS, AttemptStatus.EDIT_DID_NOT_APPLY, AttemptStatus.POLICY_REJECTED,
    AttemptStatus.GUTTED, AttemptStatus.UNREACHED,
)
UNUSABLE = (
    "Your answer could not be used ({detail}). The tests fail on the code as it is, so the "
    "fix must change it: answer with SEARCH/REPLACE blocks that quote the lines to change "
    "exactly and give them corrected."
)
REPEATED = (
    "Your answer was the same change as attempt {number} ({status}). It is not the fix: "
    "change something else."
)


@dataclass(frozen=True)
class Ask:
    """One candidate to ask the model for."""

    label: str
    options: GenerationOptions
    whole_file: bool = False


def sampling(round_number: int, index: int, *, timeout_s: float) -> GenerationOptions:
    """The first candidate is the model's best guess; the others explore, reproducibly."""
    if round_number == 1 and index == 0:
        return GenerationOptions(temperature=0.0, seed=0, timeout_s=timeout_s)
    return GenerationOptions(temperature=0.8, seed=1000 * round_number + index, timeout_s=timeout_s)


def asks(round_number: int, settings: Settings, *, whole_file: bool) -> Iterator[Ask]:
    for index in range(settings.candidates):
        label = f"attempt {round_number}/{settings.max_attempts}, candidate {index + 1}"
        options = sampling(round_number, index, timeout_s=settings.model_timeout_s)
        if round_number == 1 and index == 0 and whole_file:
            yield Ask(f"{label} (the whole file)", options, whole_file=True)
        else:
            yield Ask(label, options)


@dataclass
class Rounds:
    context: AttemptContext
    settings: Settings
    connector: AIServiceConnector
    progress: Progress
    suite: Suite
    measure: Measure
    # The model's context window as learned so far (run() asks the connector first).
    window: Window = field(init=False, default=Window(DEFAULT_CONTEXT_TOKENS))
    answer_tokens: int = field(init=False, default=GenerationOptions().max_tokens)
    # What this round's useless answers taught, shown with the next questions of the round.
    notes: list[PreviousAttempt] = field(init=False, default_factory=list)

    def run(self) -> list[Attempt]:
        """Rounds of candidates; each round learns from the last; stop after a passing one."""
        self.window = context_window(self.connector, self.settings.model,
                                     self.settings.context_tokens)
        attempts: list[Attempt] = []
        seen: dict[str, Attempt] = {}
        suspect = whole_file_suspect(self.context)
        for round_number in range(1, self.settings.max_attempts + 1):
            previous = _previous([a for a in attempts if a.round == round_number - 1])
            pending = list(asks(round_number, self.settings, whole_file=suspect is not None))
            self.notes = []
            while pending:
                ask = pending.pop(0)
                ask = replace(ask, options=replace(ask.options, max_tokens=self.answer_tokens))
                attempt = self._attempt(ask, [*previous, *self.notes], suspect, seen,
                                        number=len(attempts) + 1)
                if attempt is not None:
                    attempts.append(replace(attempt, round=round_number))
                if ask.whole_file and (attempt is None or attempt.status in UNANSWERED):
                    pending.insert(0, replace(ask, label=f"{ask.label}, then the ranked spans",
                                              whole_file=False))
            if any(a.status is AttemptStatus.VALIDATED for a in attempts):
                break
        return attempts

    def _attempt(
        self,
        ask: Ask,
        previous: Sequence[PreviousAttempt],
        suspect: tuple[str, str] | None,
        seen: dict[str, Attempt],
        *,
        number: int,
    ) -> Attempt | None:
        """The candidate tried, or None when it repeats an earlier one."""
        generated = self._generate(ask, previous, suspect)
        self.window = generated.window
        candidate = generated.candidate
        if candidate is None:
            self.progress.stage(f"{ask.label}: {AttemptStatus.PROMPT_TOO_LONG}")
            return Attempt(number, AttemptStatus.PROMPT_TOO_LONG, generated.unfit)
        if candidate.completion.cut:
            self._after_cut(number, candidate.completion.completion_tokens or self.answer_tokens)
        fingerprint = edits_fingerprint(candidate)
        if fingerprint in seen:
            earlier = seen[fingerprint]
            self.progress.stage(f"{ask.label}: same change as attempt {earlier.number}, skipped")
            self.notes.append(PreviousAttempt(
                earlier.number, "repeated",
                REPEATED.format(number=earlier.number, status=earlier.status),
            ))
            return None
        with self.measure("validate"):
            attempt = try_candidate(number, candidate, self.context, suite=self.suite)
        seen[fingerprint] = attempt
        self.progress.stage(f"{ask.label}: {attempt.status}")
        if not candidate.completion.cut:  # a cut answer has its own note
            self._after_unusable(attempt)
        return attempt

    def _after_unusable(self, attempt: Attempt) -> None:
        """An answer with no usable edit: the next question says why, and asks for less."""
        if attempt.status not in UNUSABLE_STATUSES:
            return
        detail = next(iter(attempt.detail.strip().splitlines()), "") or str(attempt.status)
        self.notes.append(PreviousAttempt(attempt.number, str(attempt.status),
                                          UNUSABLE.format(detail=detail)))

    def _after_cut(self, number: int, tokens: int) -> None:
        """The next answer gets more room and is asked for the changed lines only."""
        self.answer_tokens = min(self.answer_tokens * 2, MAX_ANSWER_TOKENS)
        self.notes.append(PreviousAttempt(number, "cut off", CUT_OFF.format(tokens=tokens)))
        self.progress.stage(f"the answer was cut at {tokens} tokens: the next one may have "
                            f"{self.answer_tokens}, for the changed lines only")

    def _generate(
        self, ask: Ask, previous: Sequence[PreviousAttempt], suspect: tuple[str, str] | None
    ) -> Generated:
        self.progress.stage(f"generate: {ask.label}, asking {self.settings.model}")
        with self.measure("model"):
            if ask.whole_file and suspect is not None:
                return generate_whole_file(
                    self.context, suspect, connector=self.connector, progress=self.progress,
                    options=ask.options, window=self.window,
                )
            return generate(
                self.context, previous, connector=self.connector, progress=self.progress,
                options=ask.options, window=self.window,
            )


def _previous(attempts: Sequence[Attempt]) -> list[PreviousAttempt]:
    """What the model is shown of the last round; a prompt that did not fit taught it nothing."""
    tried = [a for a in attempts if a.status is not AttemptStatus.PROMPT_TOO_LONG]
    return [
        PreviousAttempt(a.number, str(a.status), f"{a.diff}\n{a.detail}".strip())
        for a in tried[:3]
    ]


def confirmed(attempts: Sequence[Attempt]) -> list[Attempt]:
    """Validated candidates that may be published: any of round 1, and those of a later
    round when another candidate of the same round also passed."""
    validated = [a for a in attempts if a.status is AttemptStatus.VALIDATED]
    per_round = Counter(a.round for a in validated)
    return [a for a in validated if a.round == 1 or per_round[a.round] >= 2]


def conclude(attempts: Sequence[Attempt]) -> FixOutcome:
    passing = confirmed(attempts)
    if passing:
        best = min(passing, key=lambda a: diff_size(a.diff))
        rationale = best.candidate.rationale if best.candidate else ""
        return FixOutcome(
            FixStatus.FIXED, (), tuple(attempts), best.diff, rationale, chosen=best
        )
    lone = next((a for a in attempts if a.status is AttemptStatus.VALIDATED), None)
    if lone is not None:
        return FixOutcome(
            FixStatus.UNCONFIRMED, (), tuple(attempts), explanation=_unconfirmed(lone)
        )
    tried = "; ".join(f"attempt {a.number}: {a.status}" for a in attempts)
    return FixOutcome(
        FixStatus.NOT_FIXED,
        (),
        tuple(attempts),
        explanation=f"no candidate passed validation ({tried})",
    )


def _unconfirmed(lone: Attempt) -> str:
    return (
        f"Attempt {lone.number} passes the tests, but it was written in round {lone.round}, "
        "after the model had seen earlier candidates fail and the values the tests expect, "
        "and no other candidate of its round passed. Such a change can fit the tests without "
        "being right, so no pull request was opened. The change, for a human to judge:\n\n"
        f"```diff\n{lone.diff.rstrip()}\n```"
    )
