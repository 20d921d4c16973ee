"""Judging a candidate: the target tests pass and nothing that passed now fails."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.results import Outcome, RunOutcome, TestReport, TestVerdict, ValidationResult


def judge(
    *,
    baseline: TestReport,
    after: TestReport | None,
    targets: Sequence[str],
    run: RunOutcome,
) -> ValidationResult:
    keys = list(dict.fromkeys([*targets, *(case.key for case in baseline.cases)]))
    verdicts = tuple(
        TestVerdict(
            key=key,
            before=baseline.outcome_of(key),
            after=after.outcome_of(key) if after else None,
        )
        for key in keys
    )
    targets_pass = after is not None and all(
        after.outcome_of(key) is Outcome.PASSED for key in targets
    )
    return ValidationResult(
        targets_pass=targets_pass,
        verdicts=verdicts,
        output=run.output,
        seconds=run.seconds,
        sandbox=run.sandbox,
        termination=run.termination,
    )
