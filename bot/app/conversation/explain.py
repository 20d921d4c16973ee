"""`/redfix explain`: the root cause in plain words, the code it points at, and the class.

The model reads the failures and the localised code and answers in two parts:
`Root cause:` and `Class:`. The class from the evidence (`classify`) stands when
the model names none of the five, and always for a failure that did not
reproduce on every run (flaky is a fact of the runs, not an opinion).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.models import ChatMessage
from bot.core.redact import redact
from bot.core.results import CodeSpan, Reproduction, TestCase
from bot.stages.generate.prompting import _failure_view, _span_view, pack_spans, render
from bot.stages.learn.classify import FailureClass, classify, parse_class

MAX_ROOT_CAUSE_CHARS = 2000
MAX_SHOWN_LINES = 30


@dataclass(frozen=True)
class Explanation:
    root_cause: str
    failure_class: FailureClass
    evidence_class: FailureClass
    spans: tuple[CodeSpan, ...]


def explain_messages(
    failures: Sequence[TestCase],
    spans: Sequence[CodeSpan],
    *,
    evidence: FailureClass,
    budget_chars: int = 8000,
    secrets: Sequence[str] = (),
) -> list[ChatMessage]:
    packed = pack_spans(spans, budget_chars=budget_chars)
    user = render(
        "explain.j2",
        failures=[_failure_view(case, secrets) for case in failures],
        spans=[_span_view(span, secrets) for span in packed],
        classes=[kind.value for kind in FailureClass],
        evidence=evidence.value,
    )
    return [ChatMessage("system", render("system.j2")), ChatMessage("user", user)]


def _root_cause(answer: str) -> str:
    match = re.search(r"(?ism)root\s*cause\W*:\s*(.+?)(?:^\W*class(?:ification)?\W*:|\Z)", answer)
    text = match.group(1) if match else re.sub(r"(?im)^\W*class(?:ification)?\W*:.*$", "", answer)
    return text.strip()[:MAX_ROOT_CAUSE_CHARS] or "The model gave no explanation."


def read_explanation(
    answer: str,
    failures: Sequence[TestCase],
    spans: Sequence[CodeSpan],
    *,
    reproduction: dict[str, Reproduction] | None = None,
) -> Explanation:
    evidence = classify(failures, reproduction)
    named = parse_class(answer)
    chosen = evidence if evidence is FailureClass.FLAKY or named is None else named
    return Explanation(_root_cause(answer), chosen, evidence, tuple(spans[:3]))


def _shown(span: CodeSpan) -> dict[str, object]:
    lines = span.text.splitlines()[:MAX_SHOWN_LINES]
    return {"path": span.path, "start": span.start, "end": span.end, "text": "\n".join(lines)}


def explanation_markdown(
    explanation: Explanation, failures: Sequence[TestCase], *, secrets: Sequence[str] = ()
) -> str:
    body = render(
        "explain_comment.j2",
        root_cause=explanation.root_cause,
        failure_class=explanation.failure_class.value,
        evidence_class=explanation.evidence_class.value,
        failing=[case.key for case in failures[:10]],
        spans=[_shown(span) for span in explanation.spans],
    )
    return redact(body, known_secrets=secrets)
