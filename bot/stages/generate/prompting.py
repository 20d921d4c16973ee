"""Rendering the prompts in prompts/ with packed, truncated and redacted context.

Ranking and truncation happen here, in Python; the templates only lay text out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import prompts

from bot.core.history import Culprit
from bot.core.models import ChatMessage, Lessons
from bot.core.redact import redact
from bot.core.results import CodeSpan, TestCase
from bot.core.sourcefiles import is_test_path
from bot.stages.generate.rationale import GivenLines

PROMPT_VERSION = "fix-3"
MAX_MESSAGE_CHARS = 1500
MAX_TRACEBACK_CHARS = 4000
MAX_FEEDBACK_CHARS = 3000
MAX_EXAMPLE_CHARS = 2500  # per worked example from fix memory
MAX_CULPRIT_DIFF_CHARS = 4000  # the diff of the commit that broke the tests
LANGUAGES = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
             ".jsx": "jsx", ".ts": "typescript", ".tsx": "tsx", ".go": "go", ".java": "java"}
LANGUAGE_NAMES = {"javascript": "JavaScript", "jsx": "JavaScript (JSX)", "typescript": "TypeScript",
                  "tsx": "TypeScript (TSX)", "go": "Go", "java": "Java"}
SPAN_BUDGET_CHARS = 12000  # code context of a fix prompt, when the model's window has room
# Measured with llama-cpp-python's tokenizer (Qwen2.5-Coder) on fix prompts: 3.7 to 4.3
# characters a token; 3.5 errs towards too many tokens, the safe side for fitting.
CHARS_PER_TOKEN = 3.5
TOKENS_PER_MESSAGE = 8  # the chat template's role markers around each message
WINDOW_MARGIN_TOKENS = 256  # the template's own text, and what the estimate may miss


@dataclass(frozen=True)
class PreviousAttempt:
    number: int
    status: str
    feedback: str


@cache
def _environment() -> jinja2.Environment:
    folder = Path(prompts.__file__).parent
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,  # noqa: S701 - prompts are plain text, never HTML
    )


def render(template: str, **context: object) -> str:
    return _environment().get_template(template).render(**context).strip() + "\n"


def tail(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return "[... earlier lines omitted ...]\n" + text[-limit:]


def head(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "\n[... truncated ...]"


def pack_spans(spans: Sequence[CodeSpan], *, budget_chars: int) -> list[CodeSpan]:
    """Most relevant first, whole spans only, no overlap, within the budget."""
    chosen: list[CodeSpan] = []
    used = 0
    for span in sorted(spans, key=lambda s: -s.score):
        overlaps = any(
            c.path == span.path and c.start <= span.end and span.start <= c.end for c in chosen
        )
        if overlaps or used + len(span.text) > budget_chars:
            continue
        chosen.append(span)
        used += len(span.text)
    return chosen


def estimate_tokens(messages: Sequence[ChatMessage]) -> int:
    return sum(
        math.ceil(len(message.content) / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE
        for message in messages
    )


@dataclass(frozen=True)
class Window:
    """The model's context window, which must hold the prompt and the answer."""

    tokens: int
    scale: float = 1.0  # the server's count per estimated token, once a refusal showed it

    def overshoot(self, messages: Sequence[ChatMessage], *, answer_tokens: int) -> int:
        """Tokens by which the prompt, the answer and a margin exceed the window (<= 0: fits)."""
        prompt = math.ceil(estimate_tokens(messages) * self.scale)
        return prompt + answer_tokens + WINDOW_MARGIN_TOKENS - self.tokens

    def after_refusal(
        self, sent: Sequence[ChatMessage], *, limit: int | None, counted: int | None
    ) -> Window:
        """The window as the server's refusal of `sent` showed it: its limit, and how far
        its count exceeded the estimate (a third, when it did not say). Always tighter."""
        scale = counted / estimate_tokens(sent) if counted else self.scale * 4 / 3
        learned = Window(min(limit or self.tokens, self.tokens), max(self.scale, scale))
        if learned.tokens < self.tokens or learned.scale > self.scale:
            return learned
        return Window(self.tokens, self.scale * 4 / 3)


def fit_spans(
    build: Callable[[int], list[ChatMessage]], window: Window, *, answer_tokens: int
) -> list[ChatMessage] | None:
    """The prompt `build` makes from the largest span budget (characters) that fits
    `window`, starting at SPAN_BUDGET_CHARS; None if it does not fit even without spans."""
    budget = SPAN_BUDGET_CHARS
    while True:
        messages = build(budget)
        over = window.overshoot(messages, answer_tokens=answer_tokens)
        if over <= 0:
            return messages
        if budget == 0:
            return None
        budget = max(0, budget - math.ceil(over / window.scale * CHARS_PER_TOKEN))


def fence_for(text: str) -> str:
    """A Markdown code fence longer than any run of backticks in `text`, so code (and a
    comment planted in it) cannot close its block and speak outside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def as_data(text: str, secrets: Iterable[str]) -> str:
    """Text that goes between <data> markers: no secrets, and no way to close the markers."""
    return (
        redact(text, known_secrets=secrets)
        .replace("<data>", "<data >")
        .replace("</data>", "</data >")
    )


def _failure_view(case: TestCase, secrets: Iterable[str]) -> dict[str, str]:
    return {
        "key": case.key,
        "kind": case.kind,
        "message": as_data(head(case.message, MAX_MESSAGE_CHARS), secrets),
        "traceback": as_data(tail(case.traceback, MAX_TRACEBACK_CHARS), secrets),
    }


def _span_view(span: CodeSpan, secrets: Iterable[str]) -> dict[str, object]:
    return {
        "path": span.path,
        "start": span.start,
        "end": span.end,
        "text": redact(span.text, known_secrets=secrets),
        "fence": fence_for(span.text),
        "is_test": is_test_path(span.path),
        "language": LANGUAGES.get(Path(span.path).suffix, ""),
    }


def fix_messages(
    failures: Sequence[TestCase],
    spans: Sequence[CodeSpan],
    *,
    previous: Sequence[PreviousAttempt] = (),
    hint: str = "",
    budget_chars: int = SPAN_BUDGET_CHARS,
    secrets: Sequence[str] = (),
    lessons: Lessons | None = None,
    culprit: Culprit | None = None,
) -> list[ChatMessage]:
    packed = pack_spans(spans, budget_chars=budget_chars)
    packed.sort(key=lambda s: (is_test_path(s.path), s.path, s.start))
    source = next((s for s in packed if not is_test_path(s.path)), None)
    example_path = source.path if source else "path/to/module.py"
    user = render(
        "fix.j2",
        failures=[_failure_view(case, secrets) for case in failures],
        spans=[_span_view(span, secrets) for span in packed],
        previous=[
            {
                "number": p.number,
                "status": p.status,
                "feedback": as_data(tail(p.feedback, MAX_FEEDBACK_CHARS), secrets),
            }
            for p in previous
        ],
        hint=as_data(hint, secrets),
        example_path=example_path,
        language=(language := LANGUAGES.get(Path(example_path).suffix, "")),
        language_name=LANGUAGE_NAMES.get(language, language),
        **_lessons_view(lessons or Lessons(), secrets),
        **_culprit_view(culprit, secrets),
    )
    return [ChatMessage("system", render("system.j2")), ChatMessage("user", user)]


def whole_file_messages(
    failures: Sequence[TestCase],
    *,
    path: str,
    source: str,
    hint: str = "",
    secrets: Sequence[str] = (),
    lessons: Lessons | None = None,
    culprit: Culprit | None = None,
) -> list[ChatMessage]:
    """The whole suspect file, asking for the whole file back: the view a small file allows."""
    user = render(
        "fix_whole_file.j2",
        failures=[_failure_view(case, secrets) for case in failures],
        path=path,
        source=redact(source.rstrip("\n"), known_secrets=secrets),
        fence=fence_for(source),
        language=LANGUAGES.get(Path(path).suffix, ""),
        hint=as_data(hint, secrets),
        **_lessons_view(lessons or Lessons(), secrets),
        **_culprit_view(culprit, secrets),
    )
    return [ChatMessage("system", render("system.j2")), ChatMessage("user", user)]


def _culprit_view(culprit: Culprit | None, secrets: Sequence[str]) -> dict[str, object]:
    """The commit that broke the tests and its diff: shown next to the code."""
    if culprit is None:
        return {"culprit": None}
    return {"culprit": {
        "commit": as_data(culprit.commit.text(), secrets),
        "diff": as_data(head(culprit.diff, MAX_CULPRIT_DIFF_CHARS), secrets),
    }}


def _lessons_view(lessons: Lessons, secrets: Sequence[str]) -> dict[str, object]:
    """Worked examples (accepted fixes of similar failures) and reviewers' objections."""
    examples = [
        {
            "failure": as_data(head(e.failure, MAX_MESSAGE_CHARS), secrets),
            "diff": as_data(head(e.diff, MAX_EXAMPLE_CHARS), secrets),
            "rationale": as_data(head(e.rationale, MAX_MESSAGE_CHARS), secrets),
            "hint": as_data(head(e.hint, MAX_MESSAGE_CHARS), secrets),
        }
        for e in lessons.examples
    ]
    avoid = [as_data(head(reason, MAX_MESSAGE_CHARS), secrets) for reason in lessons.avoid]
    return {"examples": examples, "avoid": avoid}


def testgen_messages(
    failure: TestCase | None,
    *,
    diff: str,
    test_path: str,
    test_file: str,
    suggested_name: str,
    previous: str = "",
    secrets: Sequence[str] = (),
) -> list[ChatMessage]:
    user = render(
        "testgen.j2",
        diff=redact(diff, known_secrets=secrets),
        diff_fence=fence_for(diff),
        failure=as_data(head(f"{failure.key}\n{failure.message}", MAX_MESSAGE_CHARS), secrets)
        if failure
        else "",
        test_path=test_path,
        test_file=redact(head(test_file, MAX_TRACEBACK_CHARS), known_secrets=secrets),
        test_fence=fence_for(test_file),
        suggested_name=suggested_name,
        previous=as_data(previous, secrets),
    )
    return [ChatMessage("system", render("system.j2")), ChatMessage("user", user)]


def rationale_messages(
    failures: Sequence[TestCase], *, diff: str, results: str, secrets: Sequence[str] = ()
) -> list[ChatMessage]:
    """Asks for WRONG / FIXED / WHY about a validated diff (see stages/generate/rationale.py)."""
    listed = "\n".join(f"{case.key}: {head(case.message, 300)}" for case in failures)
    wrong, fixed = GivenLines.of(diff).prompt_lines()
    user = render(
        "rationale.j2",
        wrong=redact(wrong, known_secrets=secrets),
        fixed=redact(fixed, known_secrets=secrets),
        failures=as_data(head(listed, MAX_MESSAGE_CHARS), secrets),
        diff=redact(head(diff, MAX_TRACEBACK_CHARS), known_secrets=secrets),
        diff_fence=fence_for(diff),
        results=as_data(head(results, MAX_MESSAGE_CHARS), secrets),
    )
    return [ChatMessage("system", render("system.j2")), ChatMessage("user", user)]
