"""One attempt of the generate -> apply -> policy -> validate loop, and its feedback.

Every prompt is built to fit the model's context window with room for the answer; a
server that still refuses one for its length (PromptTooLong) is asked again with a
smaller one, at most MAX_SHRINKS times, and never with the same prompt twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.diffs import unified_diff
from bot.edits.apply import apply_edits
from bot.edits.gutting import gutted_functions
from bot.edits.parse import finished_part, parse_edits
from bot.edits.paths import path_problem, resolve_repo_path
from bot.edits.reach import unreached_edits
from bot.errors import PromptTooLong, UnsafePathError
from bot.localize import Localization
from bot.models import (
    Attempt,
    AttemptStatus,
    ChatMessage,
    FixCandidate,
    GenerationOptions,
    Lessons,
    Termination,
    TestCase,
    TestReport,
    ValidationResult,
)
from bot.policy import check_policy, path_violations
from bot.ports import AIServiceConnector, Progress
from bot.prompting import PreviousAttempt, Window, fit_spans, fix_messages, whole_file_messages
from bot.sourcefiles import is_test_path, read_source
from bot.suite import Suite
from bot.validate import judge

MAX_WHOLE_FILE_CHARS = 8000  # about 200 lines: a file a small model can read and write back
# The window assumed when neither the server nor REDFIX_CONTEXT_TOKENS says: the n_ctx
# scripts/model-server starts llama.cpp with, and a size most local models have.
DEFAULT_CONTEXT_TOKENS = 8192
MAX_SHRINKS = 2  # smaller prompts tried after the server refused one for its length

PromptFor = Callable[[Window], list[ChatMessage] | None]


def context_window(connector: AIServiceConnector, model: str, configured: int) -> Window:
    """The model's window: what its server reports, capped by `configured`
    (REDFIX_CONTEXT_TOKENS; 0 for none), else DEFAULT_CONTEXT_TOKENS."""
    known = [tokens for tokens in (connector.context_tokens(model), configured) if tokens]
    return Window(min(known) if known else DEFAULT_CONTEXT_TOKENS)


@dataclass(frozen=True)
class AttemptContext:
    repo: Path
    failures: tuple[TestCase, ...]
    target_ids: tuple[str, ...]
    baseline: TestReport
    localization: Localization
    model: str
    allow_test_edits: bool
    hint: str = ""
    secrets: tuple[str, ...] = ()
    lessons: Lessons = field(default_factory=Lessons)


@dataclass(frozen=True)
class Generated:
    """A candidate, or why no prompt fitted (`unfit`); and the window as the server
    has shown it to be, for the next prompt."""

    candidate: FixCandidate | None
    window: Window
    unfit: str = ""


def rationale_of(text: str) -> str:
    """The model's explanation: what it wrote before its first edit block."""
    cut = min((i for i in (text.find("```"), text.find("<<<<<<<")) if i >= 0), default=len(text))
    return text[:cut].strip()[:1000]


def generate(
    context: AttemptContext,
    previous: Sequence[PreviousAttempt],
    *,
    connector: AIServiceConnector,
    progress: Progress,
    options: GenerationOptions,
    window: Window,
) -> Generated:
    def build(budget_chars: int) -> list[ChatMessage]:
        return fix_messages(
            context.failures,
            context.localization.spans,
            previous=previous,
            hint=context.hint,
            budget_chars=budget_chars,
            secrets=context.secrets,
            lessons=context.lessons,
        )

    def prompt_for(fitting: Window) -> list[ChatMessage] | None:
        return fit_spans(build, fitting, answer_tokens=options.max_tokens)

    known = tuple(dict.fromkeys(span.path for span in context.localization.spans))
    return _ask(prompt_for, known, context=context, connector=connector, progress=progress,
                options=options, window=window, shown="even with less code context")


def whole_file_suspect(context: AttemptContext) -> tuple[str, str] | None:
    """The top-ranked source file and its text, when it is Python and small enough to show
    whole: a small model fixes a small file better seeing all of it than ranked spans."""
    suspects = [s for s in context.localization.spans if not is_test_path(s.path)]
    if not suspects:
        return None
    path = max(suspects, key=lambda span: span.score).path
    source = read_source(context.repo, path) if path.endswith(".py") else None
    if source is None or len(source) > MAX_WHOLE_FILE_CHARS:
        return None
    return path, source


def generate_whole_file(
    context: AttemptContext,
    suspect: tuple[str, str],
    *,
    connector: AIServiceConnector,
    progress: Progress,
    options: GenerationOptions,
    window: Window,
) -> Generated:
    path, source = suspect
    messages = whole_file_messages(
        context.failures, path=path, source=source, hint=context.hint, secrets=context.secrets,
        lessons=context.lessons,
    )

    def prompt_for(fitting: Window) -> list[ChatMessage] | None:
        fits = fitting.overshoot(messages, answer_tokens=options.max_tokens) <= 0
        return messages if fits else None  # the whole file or nothing

    return _ask(prompt_for, (path,), context=context, connector=connector, progress=progress,
                options=options, window=window, shown=f"showing the whole of {path}")


def _ask(
    prompt_for: PromptFor,
    known_paths: tuple[str, ...],
    *,
    context: AttemptContext,
    connector: AIServiceConnector,
    progress: Progress,
    options: GenerationOptions,
    window: Window,
    shown: str,
) -> Generated:
    """Ask with the prompt `prompt_for` fits in the window; on a refusal for length, with
    a smaller one. `shown` says what the prompt held, for the record when none fitted."""
    sent: list[ChatMessage] | None = None
    refusal: PromptTooLong | None = None
    for _ in range(1 + MAX_SHRINKS):
        messages = prompt_for(window)
        if messages is None or messages == sent:
            break
        try:
            completion = connector.complete(
                messages, model=context.model, options=options, on_token=progress.token
            )
        except PromptTooLong as exc:
            sent, refusal = messages, exc
            window = window.after_refusal(messages, limit=exc.limit, counted=exc.prompt_tokens)
            progress.stage(f"the prompt did not fit the model's window; shrinking it ({exc})")
            continue
        answer = finished_part(completion.text) if completion.cut else completion.text
        edits, problems = parse_edits(answer, known_paths=known_paths)
        candidate = FixCandidate(edits, rationale_of(completion.text), completion, problems,
                                 shown=known_paths)
        return Generated(candidate, window)
    return Generated(None, window, _unfit(window, options, refusal, shown))


def _unfit(
    window: Window, options: GenerationOptions, refusal: PromptTooLong | None, shown: str
) -> str:
    detail = (
        f"the prompt did not fit the model's {window.tokens}-token window {shown}, with "
        f"{options.max_tokens} tokens kept for the answer"
    )
    if refusal is not None:
        detail += f"; the server's last refusal: {refusal}"
    return detail + (
        ". A server started with a larger context helps (set REDFIX_CONTEXT_TOKENS to it "
        "if the server does not report it)"
    )


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
    refused = [*path_violations(named), *_unsafe_on_disk(context.repo, named)]
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
    verdict = check_policy(original, files, allow_test_edits=context.allow_test_edits)
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
