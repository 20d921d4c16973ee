"""One JUnit `<testcase>` element into a `TestCase`: its verdict (failure, error,
skip or pass, Surefire reruns included), message, traceback and output, each cleaned
of ANSI escapes and capped to the report limits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from junitparser import Error as JUnitError
from junitparser import Failure as JUnitFailure
from junitparser import Skipped as JUnitSkipped
from junitparser.xunit2 import InterimResult, RerunError, RerunFailure
from junitparser.xunit2 import TestCase as JUnitCase

from bot.core.results import Outcome, TestCase
from bot.core.signature import failure_signature, strip_ansi
from bot.stages.ingest.junit_limits import ReportLimits


@dataclass(frozen=True)
class _Verdict:
    outcome: Outcome
    message: str = ""
    traceback: str = ""


_PASSED = _Verdict(Outcome.PASSED)
_RESULT_TAGS = frozenset(
    {"failure", "error", "skipped", "rerunFailure", "rerunError", "flakyFailure", "flakyError"}
)


def _convert_case(element: Element, *, limits: ReportLimits) -> TestCase:
    verdict, stdout, stderr = _PASSED, "", ""
    if len(element):  # most cases are bare passes, with nothing inside
        if any(child.tag in _RESULT_TAGS for child in element):
            junit_case = JUnitCase.fromelem(element)  # type: ignore[no-untyped-call]  # untyped upstream
            verdict = _verdict(junit_case, limits=limits)
        stdout = _output(element, "system-out", limits=limits)
        stderr = _output(element, "system-err", limits=limits)
    classname = element.get("classname") or ""
    name = element.get("name") or ""
    signature = ""
    if verdict.outcome is Outcome.FAILED or verdict.outcome is Outcome.ERROR:
        signature = failure_signature(
            kind="failure" if verdict.outcome is Outcome.FAILED else "error",
            message=verdict.message,
            traceback=verdict.traceback,
            classname=classname,
            name=name,
        )
    return TestCase(
        classname=classname,
        name=name,
        outcome=verdict.outcome,
        file=element.get("file") or None,
        line=_positive_int(element.get("line")),
        message=verdict.message,
        traceback=verdict.traceback,
        stdout=stdout,
        stderr=stderr,
        seconds=_seconds(element.get("time")),
        signature=signature,
    )


def _verdict(junit_case: JUnitCase, *, limits: ReportLimits) -> _Verdict:
    results = junit_case.result
    failing: list[JUnitFailure | JUnitError | InterimResult]
    failing = [r for r in results if isinstance(r, JUnitFailure | JUnitError)]
    if not failing:
        # Surefire writes <rerunFailure> beside a final <failure>; alone, every
        # attempt failed. <flakyFailure> alone means the test passed in the end.
        failing = [r for r in junit_case.interim_result if isinstance(r, RerunFailure | RerunError)]
    if failing:
        first = failing[0]
        is_error = isinstance(first, JUnitError | RerunError)
        return _Verdict(
            Outcome.ERROR if is_error else Outcome.FAILED,
            message=_message(first, limits=limits),
            traceback=_traceback(failing, limits=limits),
        )
    skipped = [r for r in results if isinstance(r, JUnitSkipped)]
    if skipped:
        return _Verdict(Outcome.SKIPPED, message=_message(skipped[0], limits=limits))
    return _Verdict(Outcome.PASSED)


def _message(
    result: JUnitFailure | JUnitError | JUnitSkipped | InterimResult, *, limits: ReportLimits
) -> str:
    """The `message` attribute, else the first line of the text, else the `type`."""
    message = _clean(result.message or "").strip()
    if not message:
        lines = (line.strip() for line in _result_text(result).split("\n"))
        message = next((line for line in lines if line), "")
    if not message:
        message = _clean(result.type or "").strip()
    return message[: limits.max_message_chars]


def _result_text(result: JUnitFailure | JUnitError | JUnitSkipped | InterimResult) -> str:
    text = result.stack_trace if isinstance(result, InterimResult) else result.text
    return _clean(text or "")


def _traceback(
    results: Sequence[JUnitFailure | JUnitError | InterimResult], *, limits: ReportLimits
) -> str:
    """The text of every failure element of the case, each later one under its message."""
    blocks = []
    for index, result in enumerate(results):
        text = _trim_blank_lines(_result_text(result))
        if index and not text.startswith(_message(result, limits=limits)):
            text = f"{_message(result, limits=limits)}\n{text}".rstrip()
        if text:
            blocks.append(text)
    return _keep_head_and_tail("\n\n".join(blocks), limit=limits.max_trace_chars)


def _output(element: Element, tag: str, *, limits: ReportLimits) -> str:
    texts = [child.text for child in element.findall(tag) if child.text]
    if not texts:
        return ""
    text = "\n".join(texts)
    limit = limits.max_output_chars
    if len(text) > limit:
        text = f"[truncated {len(text) - limit} characters]\n{text[-limit:]}"
    return _trim_blank_lines(_clean(text))


def _keep_head_and_tail(text: str, *, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[truncated {len(text) - 2 * half} characters]\n{text[-half:]}"


def _clean(text: str) -> str:
    return strip_ansi(text).replace("\r\n", "\n").replace("\r", "\n")


def _trim_blank_lines(text: str) -> str:
    """Drop leading blank lines and trailing whitespace, keep the first line's indent."""
    text = text.rstrip()
    start = 0
    while (newline := text.find("\n", start)) != -1 and not text[start:newline].strip():
        start = newline + 1
    return text[start:]


def _positive_int(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number and number > 0 else None


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:  # "1,234.5": some reporters group thousands
            seconds = float(value.replace(",", ""))
        except ValueError:
            return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
