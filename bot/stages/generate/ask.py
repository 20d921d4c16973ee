"""The generate stage: ask the model for a candidate fix, with a prompt that fits.

Every prompt is built to fit the model's context window with room for the answer; a
server that still refuses one for its length (PromptTooLong) is asked again with a
smaller one, at most MAX_SHRINKS times, and never with the same prompt twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.errors import PromptTooLong
from bot.core.history import Culprit
from bot.core.languages.registry import language_of_path
from bot.core.models import ChatMessage, FileEdit, FixCandidate, GenerationOptions, Lessons
from bot.core.ports import AIServiceConnector, Progress
from bot.core.results import TestCase, TestReport
from bot.core.sourcefiles import is_test_path, read_source
from bot.stages.apply.parse import finished_part, parse_edits
from bot.stages.apply.whole_file import whole_file_edit
from bot.stages.generate.prompting import (
    PreviousAttempt,
    Window,
    fit_spans,
    fix_messages,
    whole_file_messages,
)
from bot.stages.localize.traceback_localizer import Localization

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
    never_touch: tuple[str, ...] = ()  # globs of paths a fix may not change
    hint: str = ""
    secrets: tuple[str, ...] = ()
    lessons: Lessons = field(default_factory=Lessons)
    culprit: Culprit | None = None  # the commit that broke the failing tests, when known


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
            culprit=context.culprit,
        )

    def prompt_for(fitting: Window) -> list[ChatMessage] | None:
        return fit_spans(build, fitting, answer_tokens=options.max_tokens)

    known = tuple(dict.fromkeys(span.path for span in context.localization.spans))
    return _ask(prompt_for, known, context=context, connector=connector, progress=progress,
                options=options, window=window, shown="even with less code context")


def whole_file_suspect(context: AttemptContext) -> tuple[str, str] | None:
    """The top-ranked source file and its text, when it is in a language redfix knows and
    small enough to show whole: a small model fixes a small file better seeing all of it
    than ranked spans."""
    suspects = [s for s in context.localization.spans if not is_test_path(s.path)]
    if not suspects:
        return None
    path = max(suspects, key=lambda span: span.score).path
    source = read_source(context.repo, path) if language_of_path(path) is not None else None
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
        lessons=context.lessons, culprit=context.culprit,
    )

    def prompt_for(fitting: Window) -> list[ChatMessage] | None:
        fits = fitting.overshoot(messages, answer_tokens=options.max_tokens) <= 0
        return messages if fits else None  # the whole file or nothing

    return _ask(prompt_for, (path,), context=context, connector=connector, progress=progress,
                options=options, window=window, shown=f"showing the whole of {path}",
                whole_file=suspect)


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
    whole_file: tuple[str, str] | None = None,
) -> Generated:
    """Ask with the prompt `prompt_for` fits in the window; on a refusal for length, with
    a smaller one. `shown` says what the prompt held, for the record when none fitted;
    `whole_file` (path, text) when the prompt asked for that file back whole."""
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
        edits, problems = _edits_of(answer, known_paths, whole_file=whole_file)
        candidate = FixCandidate(edits, rationale_of(completion.text), completion, problems,
                                 shown=known_paths)
        return Generated(candidate, window)
    return Generated(None, window, _unfit(window, options, refusal, shown))


def _edits_of(
    answer: str, known_paths: tuple[str, ...], *, whole_file: tuple[str, str] | None
) -> tuple[tuple[FileEdit, ...], tuple[str, ...]]:
    """The answer's edits; an answer to the whole-file question that holds none of the
    usual kind may be the file written back whole (outside Python, whose blocks are
    read definition by definition)."""
    edits, problems = parse_edits(answer, known_paths=known_paths)
    if edits or whole_file is None:
        return edits, problems
    path, source = whole_file
    rewritten = whole_file_edit(answer, path=path, source=source)
    return ((rewritten,), ()) if rewritten is not None else (edits, problems)


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
