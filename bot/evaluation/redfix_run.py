"""One task through the real pipeline (`run_fix`), scored by the hidden tests."""

from __future__ import annotations

import time
from pathlib import Path

from bot.core.config import Settings
from bot.core.models import AttemptStatus, FixOutcome, FixStatus
from bot.core.ports import AIServiceConnector
from bot.evaluation.metering import MeteredConnector, TimedRunner, with_costs
from bot.evaluation.results import (
    LOW_CONFIDENCE,
    UNCONFIRMED,
    Mode,
    TaskRun,
    Verdict,
    furthest_cause,
)
from bot.evaluation.taskrepo import HiddenResult, TaskRepo, hidden_check
from bot.pipeline import FixRequest, Services, run_fix
from bot.stages.localize.traceback_localizer import Localizer, TracebackLocalizer

DETAIL_CHARS = 600  # enough for the first assertion message of a failed candidate
UNREPRODUCED = (FixStatus.FLAKY, FixStatus.NOT_REPRODUCIBLE, FixStatus.NOTHING_FAILS)


def regression_test_status(outcome: FixOutcome) -> str:
    """`kept` when a generated test ships with the fix, else the last rejection, or `none`."""
    tried = outcome.regression_tests
    if any(test.kept for test in tried):
        return "kept"
    return f"rejected: {tried[-1].reason}" if tried else "none"


def fixed_round(outcome: FixOutcome) -> int | None:
    """The round that gave the accepted fix (the loop stops after the first round with one)."""
    if outcome.status is not FixStatus.FIXED:
        return None
    validated = [a.round for a in outcome.attempts if a.status is AttemptStatus.VALIDATED]
    return min(validated, default=None)


def classify(outcome: FixOutcome, hidden: HiddenResult | None) -> tuple[Verdict, str]:
    if outcome.status is FixStatus.FIXED:
        if hidden is not None and hidden.passed:
            return Verdict.FIXED, ""
        return Verdict.FALSE_FIX, hidden.problem if hidden else "not scored"
    if outcome.status in UNREPRODUCED:
        return Verdict.FLAKY, str(outcome.status)
    if outcome.status is FixStatus.LOW_CONFIDENCE:
        return Verdict.NO_FIX, LOW_CONFIDENCE
    if outcome.status is FixStatus.UNCONFIRMED:
        return Verdict.NO_FIX, UNCONFIRMED
    return Verdict.NO_FIX, furthest_cause([str(a.status) for a in outcome.attempts])


def judge_held_back(bench: TaskRepo, outcome: FixOutcome, *, scratch: Path) -> str:
    """What the hidden tests say of a pass redfix held back: the price of holding it back."""
    if outcome.status is not FixStatus.UNCONFIRMED:
        return ""
    held = next((a.diff for a in outcome.attempts if a.status is AttemptStatus.VALIDATED), "")
    if not held:
        return ""
    hidden = hidden_check(bench, held, scratch=scratch)
    return "right" if hidden.passed else f"wrong: {hidden.problem}"


def run_redfix(
    bench: TaskRepo,
    *,
    connector: AIServiceConnector,
    settings: Settings,
    scratch: Path,
    localizer: Localizer | None = None,
) -> TaskRun:
    metered, timed = MeteredConnector(connector), TimedRunner(bench.runner)
    started = time.monotonic()
    outcome = run_fix(
        FixRequest(repo=bench.repo, settings=settings),
        Services(connector=metered, runner=timed, localizer=localizer or TracebackLocalizer()),
    )
    wall = time.monotonic() - started
    hidden = None
    if outcome.status is FixStatus.FIXED:
        hidden = hidden_check(bench, outcome.patch, scratch=scratch)
    verdict, cause = classify(outcome, hidden)
    run = TaskRun(
        task_id=bench.task.task_id,
        suite=bench.task.suite,
        mode=Mode.REDFIX,
        verdict=verdict,
        cause=cause,
        status=str(outcome.status),
        fixed_at_attempt=fixed_round(outcome),
        rounds=max((a.round for a in outcome.attempts), default=0),
        candidates=len(outcome.attempts),
        attempt_statuses=tuple(str(a.status) for a in outcome.attempts),
        hidden_seconds=hidden.seconds if hidden else 0.0,
        patch=outcome.patch,
        hidden_output=hidden.output if hidden else "",
        explanation=outcome.explanation[-2000:],
        attempt_details=tuple(a.detail[:DETAIL_CHARS] for a in outcome.attempts),
        attempt_diffs=tuple(a.diff for a in outcome.attempts),
        regression_test=regression_test_status(outcome),
        held_back=judge_held_back(bench, outcome, scratch=scratch),
    )
    return with_costs(run, metered, timed, wall_seconds=wall)
