"""One attempt of the repair loop: a generated candidate through apply -> policy ->
validate, and the feedback the next attempt gets when it fails."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.core.diffs import unified_diff
from bot.core.errors import UnsafePathError
from bot.core.models import (
    Attempt,
    AttemptStatus,
    FixCandidate,
)
from bot.core.paths import path_problem, resolve_repo_path
from bot.core.results import Termination, TestReport, ValidationResult
from bot.core.sourcefiles import read_source
from bot.stages.apply.apply import apply_edits
from bot.stages.generate.ask import AttemptContext
from bot.stages.policy.gutting import gutted_functions
from bot.stages.policy.reach import unreached_edits
from bot.stages.policy.rules import check_policy, path_violations
from bot.stages.reproduce.suite import Suite
from bot.stages.validate.verdict import judge


def edits_fingerprint(candidate: FixCandidate) -> str:
    """Candidates that ask for the same change, whitespace aside, are one candidate."""
    parts = [
        f"{e.path}|{e.kind}|{e.symbol}|{' '.join(e.search.split())}|{' '.join(e.replace.split())}"
        for e in candidate.edits
    ]
    return "\n".join(sorted(parts))


def _failure_feedback(report: TestReport | None, validation: ValidationResult) -> str:
    if report is None:
        return (
            f"The tests did not run to completion ({validation.termination}).\n"
            + (validation.output[-1500:])
        )
    lines = []
    for case in report.failures:
        lines.append(f"{case.key} still fails: {case.message.strip()[:300]}")
        lines.append(case.traceback.strip()[-800:])
    return "\n".join(lines) or validation.output[-1500:]


def _regression_feedback(validation: ValidationResult) -> str:
    broken = ", ".join(v.key for v in validation.regressions[:10])
    return f"The change made these previously passing tests fail: {broken}"


def validate_candidate(
    context: AttemptContext, files: dict[str, str], *, suite: Suite
) -> tuple[AttemptStatus, str, ValidationResult]:
    """Target tests first (fast), then the whole suite for regressions."""
    targets = suite.run(context.target_ids, overlay=files)
    keys = [case.key for case in context.failures]
    validation = judge(
        baseline=context.baseline, after=targets.report, targets=keys, run=targets.outcome
    )
    if targets.outcome.termination is Termination.TIMEOUT:
        return AttemptStatus.TIMEOUT, "the tests timed out with this change", validation
    if not validation.targets_pass:
        return (
            AttemptStatus.TESTS_STILL_FAIL,
            _failure_feedback(targets.report, validation),
            validation,
        )
    full = suite.run(overlay=files)
    validation = judge(baseline=context.baseline, after=full.report, targets=keys, run=full.outcome)
    if not validation.targets_pass:
        return (
            AttemptStatus.TESTS_STILL_FAIL,
            _failure_feedback(full.report, validation),
            validation,
        )
    if validation.regressions:
        return AttemptStatus.REGRESSION, _regression_feedback(validation), validation
    return AttemptStatus.VALIDATED, "target tests pass and nothing regressed", validation


def cut_note(candidate: FixCandidate) -> str:
    """Says that the answer is incomplete, when the server stopped it at its token limit."""
    if not candidate.completion.cut:
        return ""
    return (f"The answer stopped at the {candidate.completion.completion_tokens}-token limit "
            "before its end: ")


def try_candidate(
    number: int, candidate: FixCandidate, context: AttemptContext, *, suite: Suite
) -> Attempt:
    if not candidate.edits:
        detail = cut_note(candidate) + "the answer held no edit I could read. " + \
            "; ".join(candidate.parse_problems)
        return Attempt(number, AttemptStatus.NO_EDITS, detail.strip(), candidate=candidate)
    named = [edit.path for edit in candidate.edits if edit.path]
    refused = [*path_violations(named, context.never_touch),
               *_unsafe_on_disk(context.repo, named)]
    if refused:  # said before matching, so the feedback names the rule, not "file missing"
        return Attempt(number, AttemptStatus.POLICY_REJECTED, "; ".join(refused),
                       candidate=candidate)
    known = candidate.shown or tuple(dict.fromkeys(s.path for s in context.localization.spans))
    applied = apply_edits(
        candidate.edits, read=lambda path: read_source(context.repo, path), known_paths=known
    )
    if applied.failures:
        detail = cut_note(candidate) + "\n".join(
            f"{f.path}: {f.reason}\n{f.unmatched}".strip() for f in applied.failures
        )
        return Attempt(number, AttemptStatus.EDIT_DID_NOT_APPLY, detail, candidate=candidate)
    files = dict(applied.files)
    original = {path: read_source(context.repo, path) for path in files}
    diff = unified_diff(original, files)
    verdict = check_policy(original, files, allow_test_edits=context.allow_test_edits,
                           never_touch=context.never_touch)
    violations = (*verdict.violations, *_unsafe_on_disk(context.repo, files))
    if violations:
        detail = "; ".join(violations)
        return Attempt(number, AttemptStatus.POLICY_REJECTED, detail, diff, candidate)
    gutted = gutted_functions(original, files)
    if gutted:
        return Attempt(number, AttemptStatus.GUTTED, "; ".join(gutted), diff, candidate)
    unreached = unreached_edits(original, files, context.localization.reached)
    if unreached:
        return Attempt(number, AttemptStatus.UNREACHED, "; ".join(unreached), diff, candidate)
    status, detail, validation = validate_candidate(context, files, suite=suite)
    return Attempt(number, status, detail, diff, candidate, validation, files=files)


def _unsafe_on_disk(repo: Path, paths: Iterable[str]) -> list[str]:
    """Paths whose text is fine but whose place on disk is not (a symlink out of the
    repository or into .git): refused as policy, before the candidate is run."""
    found = []
    for path in dict.fromkeys(paths):
        if path_problem(path) is not None:
            continue  # refused for its text already
        try:
            resolve_repo_path(repo, path)
        except UnsafePathError as exc:
            found.append(f"{exc}; a fix may only change files inside the repository")
    return found
