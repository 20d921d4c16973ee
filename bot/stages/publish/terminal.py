"""What a person sees on the terminal: progress while work runs, a summary at the end."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from bot.core.models import FixOutcome, FixStatus
from bot.stages.publish.culprit_text import culprit_lines


class TerminalProgress:
    """Stage lines with elapsed time; a running token count while the model writes."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.started = time.monotonic()
        self.tokens = 0
        self.last_report = 0.0

    def _elapsed(self) -> str:
        return f"[{time.monotonic() - self.started:6.1f}s]"

    def stage(self, message: str) -> None:
        if self.tokens:
            self._end_token_line()
        if not self.quiet:
            print(f"{self._elapsed()} {message}", file=self.stream, flush=True)

    def token(self, text: str) -> None:
        self.tokens += 1
        now = time.monotonic()
        if self.quiet or now - self.last_report < 2.0:
            return
        self.last_report = now
        end = "\r" if self.stream.isatty() else "\n"
        print(
            f"{self._elapsed()} model: {self.tokens} tokens so far",
            end=end,
            file=self.stream,
            flush=True,
        )

    def _end_token_line(self) -> None:
        if not self.quiet:
            print(
                f"{self._elapsed()} model: answer complete ({self.tokens} tokens)",
                file=self.stream,
                flush=True,
            )
        self.tokens = 0


HEADLINES = {
    FixStatus.FIXED: "FIXED: a change was validated by running the tests",
    FixStatus.NOT_FIXED: "NOT FIXED: no candidate passed validation",
    FixStatus.FLAKY: "FLAKY: the failure does not happen on every run; no fix attempted",
    FixStatus.NOT_REPRODUCIBLE: "NOT REPRODUCIBLE: the failing tests pass here; no fix attempted",
    FixStatus.NOTHING_FAILS: "NOTHING FAILS: every test passes",
    FixStatus.LOW_CONFIDENCE: "UNSURE: could not locate the faulty code; no fix attempted",
    FixStatus.UNCONFIRMED: "UNSURE: a later-round change passed, but nothing confirmed it",
    FixStatus.CAPPED: "NOT TRIED: the repository's caps say this failure was tried enough",
}


def summary(outcome: FixOutcome) -> str:
    lines = [HEADLINES[outcome.status]]
    if outcome.failures:
        lines.append("failing tests:")
        lines += [
            f"  - {case.key}: {outcome.reproduction.get(case.key, 'reported')}"
            for case in outcome.failures
        ]
    lines += culprit_lines(outcome.culprit, revert=outcome.revert)
    for attempt in outcome.attempts:
        first = attempt.detail.splitlines()[0] if attempt.detail else ""
        lines.append(f"attempt {attempt.number}: {attempt.status} - {first[:160]}")
    best = outcome.chosen
    if best and best.validation:
        v = best.validation
        lines.append(
            f"validated in the {v.sandbox} sandbox: {len(v.verdicts)} tests, "
            f"{len(v.regressions)} regressions, {v.seconds:.1f}s"
        )
    tries = len(outcome.regression_tests)
    for number, test in enumerate(outcome.regression_tests, start=1):
        verdict = "added" if test.kept else "rejected"
        lines.append(
            f"regression test (try {number}/{tries}) {test.name or '(unreadable)'} {verdict}: "
            f"{test.reason}"
        )
    if outcome.change_coverage is not None:
        lines.append(f"coverage of the changed lines: {outcome.change_coverage.text()}")
    if outcome.explanation:
        lines.append(f"why: {outcome.explanation}")
    if outcome.patch:
        lines += ["", outcome.patch.rstrip()]
    timing = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in outcome.timings.items())
    if timing:
        lines.append(f"time: {timing}")
    return "\n".join(lines)
