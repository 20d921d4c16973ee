"""JUnit XML reports, as real test runners write them, into `TestReport`s.

Reports are untrusted input: they come from pull requests and CI artifacts.
The XML goes through defusedxml with DTDs forbidden, so no entity is expanded and
nothing is fetched; each `<testcase>` element is then read with junitparser.

The document is streamed: bytes are decoded chunk by chunk (declared encoding or
BOM, bad bytes replaced), cleaned of what XML 1.0 forbids but test output is full
of (ANSI escapes, control characters), and parsed incrementally. Each test case
is converted and dropped from the tree as soon as it ends, elements a JUnit report
does not use are dropped as soon as they end, and every text kept is capped. Nesting
deeper than a report needs and a case holding more elements than one report case can
are refused, so memory follows the biggest single element rather than the file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml import ElementTree as SafeElementTree

from bot.core.errors import ReportError
from bot.core.results import TestCase, TestReport
from bot.stages.ingest.junit_cases import _convert_case, _output
from bot.stages.ingest.junit_limits import DEFAULT_LIMITS, ReportLimits
from bot.stages.ingest.report_text import SafeText, check_size

_JUNIT_ROOTS = ("testsuites", "testsuite")
_SUITE_TAGS = frozenset({"testsuites", "testsuite"})
# What the builder reads directly under a suite; anything else there is dropped at its end.
_SUITE_CHILDREN_READ = frozenset({"testcase", "testsuite", "system-out", "system-err"})


def parse_report_bytes(
    data: bytes, *, source: str, limits: ReportLimits = DEFAULT_LIMITS
) -> TestReport:
    """Parse one JUnit XML report held in memory; `source` names it in errors."""
    check_size(len(data), source=source, max_bytes=limits.max_bytes)
    return _parse_stream(io.BytesIO(data), source=source, limits=limits)


def parse_report_file(path: Path, *, limits: ReportLimits = DEFAULT_LIMITS) -> TestReport:
    """Parse one JUnit XML report file."""
    source = str(path)
    try:
        if path.is_dir():
            raise ReportError(source, "is a directory; pass the JUnit XML file inside it")
        check_size(path.stat().st_size, source=source, max_bytes=limits.max_bytes)
        with path.open("rb") as stream:
            return _parse_stream(stream, source=source, limits=limits)
    except OSError as exc:
        raise ReportError(
            source, f"cannot be read ({exc.strerror or exc}); check that the path is right"
        ) from exc


def parse_report_files(
    paths: Sequence[Path], *, limits: ReportLimits = DEFAULT_LIMITS
) -> tuple[TestReport, ...]:
    return tuple(parse_report_file(path, limits=limits) for path in paths)


def case_to_json(case: TestCase) -> dict[str, object]:
    """A JSON-ready view of one case (`redfix report --json`, golden files)."""
    return {
        "classname": case.classname,
        "name": case.name,
        "outcome": str(case.outcome),
        "kind": case.kind,
        "file": case.file,
        "line": case.line,
        "seconds": case.seconds,
        "message": case.message,
        "traceback": case.traceback,
        "stdout": case.stdout,
        "stderr": case.stderr,
        "signature": case.signature,
    }


def _parse_stream(stream: BinaryIO, *, source: str, limits: ReportLimits) -> TestReport:
    text = SafeText(stream, source=source, max_bytes=limits.max_bytes)
    builder = _ReportBuilder(source=source, limits=limits)
    try:
        for event, element in SafeElementTree.iterparse(
            text, events=("start", "end"), forbid_dtd=True
        ):
            if event == "start":
                builder.start(element)
            else:
                builder.end(element)
    except DTDForbidden as exc:
        if (exc.name or "").lower() == "html":
            raise ReportError(
                source,
                "is an HTML page (<!DOCTYPE html>), not a JUnit XML report; the download may "
                "have returned an error page, or the path points at an HTML test report",
            ) from exc
        raise ReportError(
            source,
            "declares a DTD (<!DOCTYPE ...>); redfix refuses DTDs in test reports because "
            "their entities can read local files or expand without bound. Regenerate the "
            "report with a JUnit reporter that does not write a DOCTYPE",
        ) from exc
    except DefusedXmlException as exc:
        raise ReportError(
            source, f"uses a forbidden XML feature ({exc}); regenerate it with a JUnit reporter"
        ) from exc
    except ParseError as exc:
        raise ReportError(source, _describe_parse_error(exc)) from exc
    return TestReport(source=source, cases=tuple(builder.cases))


def _describe_parse_error(exc: ParseError) -> str:
    problem = f"is not well-formed XML ({exc})"
    if "no element found" in str(exc) or "unclosed token" in str(exc):
        return (
            f"{problem}: it ends early, so the test run was probably cut off while writing "
            "it; re-run the tests to get a complete report"
        )
    return f"{problem}; check that it is the JUnit XML file the test runner wrote"


class _ReportBuilder:
    """Turns parse events into test cases, dropping each element once read."""

    def __init__(self, *, source: str, limits: ReportLimits) -> None:
        self.cases: list[TestCase] = []
        self._source = source
        self._limits = limits
        self._open: list[Element] = []
        self._suite_starts: list[int] = []
        self._held = 0  # elements in the tree now: started and not yet dropped

    def start(self, element: Element) -> None:
        if not self._open and element.tag not in _JUNIT_ROOTS:
            raise ReportError(
                self._source,
                f"has root element <{element.tag}>, not <testsuites> or <testsuite>, so it "
                "is not a JUnit XML report; pass the file the test runner's JUnit reporter wrote",
            )
        self._open.append(element)
        self._held += 1
        self._check_bounds()
        if element.tag == "testsuite":
            self._suite_starts.append(len(self.cases))

    def end(self, element: Element) -> None:
        self._open.pop()
        if element.tag == "testcase":
            self.cases.append(_convert_case(element, limits=self._limits))
        elif element.tag == "testsuite":
            self._attach_suite_output(element, first=self._suite_starts.pop())
        elif not self._open or not self._unread_suite_child(element):
            return
        if self._open:
            self._open[-1].remove(element)
            self._held -= sum(1 for _ in element.iter())

    def _unread_suite_child(self, element: Element) -> bool:
        return self._open[-1].tag in _SUITE_TAGS and element.tag not in _SUITE_CHILDREN_READ

    def _check_bounds(self) -> None:
        if len(self._open) > self._limits.max_depth:
            raise ReportError(
                self._source,
                f"nests elements more than {self._limits.max_depth} deep; a JUnit report needs "
                "a handful of levels, so this is not one (or it was written to exhaust memory)",
            )
        if self._held > self._limits.max_held_elements:
            raise ReportError(
                self._source,
                f"holds more than {self._limits.max_held_elements} elements inside one test "
                "case or suite element; a JUnit report case holds a few, so this is not one "
                "(or it was written to exhaust memory)",
            )

    def _attach_suite_output(self, suite: Element, *, first: int) -> None:
        """Give the suite's own output to its failing cases that have none."""
        stdout = _output(suite, "system-out", limits=self._limits)
        stderr = _output(suite, "system-err", limits=self._limits)
        if not (stdout or stderr):
            return
        for index in range(first, len(self.cases)):
            case = self.cases[index]
            if case.outcome.is_failing:
                self.cases[index] = replace(
                    case, stdout=case.stdout or stdout, stderr=case.stderr or stderr
                )
