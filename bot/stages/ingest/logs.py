"""Failing tests named in a CI log, for builds that uploaded no JUnit report.

pytest's short test summary (`FAILED path::Class::test - message`, `ERROR ...`)
is what most Python workflows print; each such line becomes a failing TestCase
shaped like pytest's JUnit output (classname = dotted module and classes), so the
pipeline reproduces exactly those tests. GitHub prefixes each log line with a
timestamp, and colour codes survive in logs: both are removed first.
"""

from __future__ import annotations

import re

from bot.core.results import Outcome, TestCase, TestReport
from bot.core.signature import failure_signature, strip_ansi

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\s?")
_SUMMARY = re.compile(
    r"^(?P<kind>FAILED|ERROR)\s+(?P<path>[^\s:]+\.py)(?P<rest>(?:::[^\s]+)+)(?:\s+-\s+(?P<msg>.*))?$"
)
MAX_FAILURES = 200


def _case(kind: str, path: str, rest: str, message: str) -> TestCase:
    parts = [part for part in rest.split("::") if part]
    name, classes = parts[-1], parts[:-1]
    classname = ".".join([path.removesuffix(".py").replace("/", "."), *classes])
    outcome = Outcome.FAILED if kind == "FAILED" else Outcome.ERROR
    signature = failure_signature(
        kind="failure" if outcome is Outcome.FAILED else "error",
        message=message,
        traceback="",
        classname=classname,
        name=name,
    )
    return TestCase(classname, name, outcome, file=path, message=message, signature=signature)


def failures_in_log(text: str, *, source: str) -> TestReport:
    """A report of the failing tests the log's pytest summary names (maybe none)."""
    seen: dict[str, TestCase] = {}
    for raw in text.splitlines():
        line = _TIMESTAMP.sub("", strip_ansi(raw)).strip()
        found = _SUMMARY.match(line)
        if found is None:
            continue
        case = _case(found["kind"], found["path"], found["rest"], found["msg"] or "")
        seen.setdefault(case.key, case)
        if len(seen) >= MAX_FAILURES:
            break
    return TestReport(source=source, cases=tuple(seen.values()))
