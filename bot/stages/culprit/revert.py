"""Offering the revert of the culprit: validated like a candidate fix, marked as a revert."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Literal

from bot.core.diffs import unified_diff
from bot.core.history import Culprit
from bot.core.models import Attempt, AttemptStatus, FixOutcome, FixStatus
from bot.core.ports import History
from bot.core.sourcefiles import read_source
from bot.stages.generate.ask import AttemptContext
from bot.stages.policy.rules import check_policy
from bot.stages.repair.attempt import validate_candidate
from bot.stages.reproduce.suite import Suite


def try_revert(
    culprit: Culprit, context: AttemptContext, *, history: History, suite: Suite, number: int
) -> Attempt:
    """The revert as an attempt: validated when it applies cleanly, the failing tests pass
    and no other test breaks."""
    named = f"revert of {culprit.commit.text()}"
    files = history.reverted(context.repo, culprit.commit.sha)
    if files is None:
        return Attempt(number, AttemptStatus.EDIT_DID_NOT_APPLY,
                       f"{named}: it does not apply cleanly to the failing tree (or it would "
                       "add or delete files)")
    patched = dict(files)
    original = {path: read_source(context.repo, path) for path in patched}
    diff = unified_diff(original, patched)
    verdict = check_policy(original, patched, allow_test_edits=context.allow_test_edits)
    if not verdict.allowed:  # a revert of a test change would make the test pass by itself
        return Attempt(number, AttemptStatus.POLICY_REJECTED,
                       f"{named}: {'; '.join(verdict.violations)}", diff)
    status, detail, validation = validate_candidate(context, patched, suite=suite)
    return Attempt(number, status, f"{named}: {detail}", diff, validation=validation,
                   files=patched)


# fallback: offered when no candidate validates; first: tried before asking the model
RevertMode = Literal["fallback", "first", "never"]


def repair_or_revert(
    repair: Callable[[], FixOutcome],
    culprit: Culprit | None,
    context: AttemptContext,
    *,
    mode: RevertMode,
    history: History | None,
    suite: Suite,
) -> FixOutcome:
    """The repair loop's outcome, with the culprit's revert tried first or as a fallback
    (`mode`) when there is a culprit and a history to revert it in."""
    if culprit is None or history is None or mode == "never":
        return repair()
    if mode == "first":
        attempt = try_revert(culprit, context, history=history, suite=suite, number=0)
        if attempt.status is AttemptStatus.VALIDATED:
            return revert_outcome(FixOutcome(FixStatus.NOT_FIXED, context.failures), attempt,
                                  culprit, why="the configuration asks for the revert first")
        outcome = repair()
        return replace(outcome, attempts=(attempt, *outcome.attempts))
    outcome = repair()
    if outcome.status is FixStatus.FIXED:
        return outcome
    attempt = try_revert(culprit, context, history=history, suite=suite,
                         number=len(outcome.attempts) + 1)
    return revert_outcome(outcome, attempt, culprit, why="no candidate fix passed validation")


def revert_outcome(
    outcome: FixOutcome, attempt: Attempt, culprit: Culprit, *, why: str
) -> FixOutcome:
    """The outcome with the revert among its attempts; fixed by it when it validated."""
    attempts = (*outcome.attempts, attempt)
    if attempt.status is not AttemptStatus.VALIDATED:
        note = f"; the {attempt.detail.split(':', 1)[0]} was tried too: {attempt.status}"
        return replace(outcome, attempts=attempts, explanation=outcome.explanation + note)
    explanation = (
        f"This reverts the commit that broke the tests, {culprit.commit.text()} ({why}): "
        "without it the failing tests pass and no other test breaks. Its change may still "
        "be wanted: fix it forward and re-land it."
    )
    return replace(outcome, status=FixStatus.FIXED, attempts=attempts, patch=attempt.diff,
                   explanation=explanation, chosen=attempt, revert=True)
