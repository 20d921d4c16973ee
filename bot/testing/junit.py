"""JUnit reports as pytest writes them, built from results keyed by pytest node id.

The XML is pytest's xunit1 family, the one redfix asks for: a `<testsuite>` of
`<testcase classname=... name=... file=...>` elements, failing ones holding a `<failure>`
or `<error>` with a `message`. `tests/test_x.py::TestY::test_z[1]` is reported as
classname `tests.test_x.TestY`, name `test_z[1]`, so the case's key is
`tests.test_x.TestY::test_z[1]` (see `case_key`). Line numbers are not written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from bot.core.results import Outcome, RunOutcome, TestCase

SANDBOX = "scripted"
EXIT_OK, EXIT_TESTS_FAILED, EXIT_NO_TESTS = 0, 1, 5  # pytest.ExitCode
_DEFAULT_MESSAGES = {
    Outcome.FAILED: "AssertionError: assert False",
    Outcome.ERROR: 'failed on setup with "RuntimeError: scripted error"',
    Outcome.SKIPPED: "skipped",
}
_TAGS = {Outcome.FAILED: "failure", Outcome.ERROR: "error", Outcome.SKIPPED: "skipped"}


@dataclass(frozen=True)
class CaseResult:
    """A test's result with the text pytest would report for it (defaults when empty)."""

    outcome: Outcome | str
    message: str = ""
    traceback: str = ""
    seconds: float = 0.001


Result = Outcome | str | CaseResult


def _result(value: Result) -> tuple[Outcome, CaseResult]:
    result = value if isinstance(value, CaseResult) else CaseResult(value)
    return Outcome(result.outcome), result


def reported_as(node_id: str) -> tuple[str, str, str | None]:
    """(classname, name, file) of the `<testcase>` pytest writes for `node_id`."""
    head, bracket, params = node_id.partition("[")
    path, *rest = head.split("::")
    if not rest:
        return "", node_id, None
    *classes, name = rest
    module = path.removesuffix(".py").replace("/", ".")
    return ".".join([module, *classes]), name + bracket + params, path


def case_key(node_id: str) -> str:
    """The key (`TestCase.key`) redfix gives the case pytest reports for `node_id`."""
    classname, name, _ = reported_as(node_id)
    return TestCase(classname, name, Outcome.PASSED).key


def junit_xml(results: Mapping[str, Result]) -> bytes:
    """The report of a pytest run whose tests ended as `results` say, in their order."""
    cases = [(node, *_result(value)) for node, value in results.items()]
    counts = Counter(outcome for _, outcome, _ in cases)
    root = Element("testsuites")
    suite = SubElement(root, "testsuite", {
        "name": "pytest",
        "errors": str(counts[Outcome.ERROR]),
        "failures": str(counts[Outcome.FAILED]),
        "skipped": str(counts[Outcome.SKIPPED]),
        "tests": str(len(cases)),
        "time": f"{sum(result.seconds for _, _, result in cases):.3f}",
    })
    for node, outcome, result in cases:
        _add_case(suite, node, outcome, result)
    xml: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def _add_case(suite: Element, node: str, outcome: Outcome, result: CaseResult) -> None:
    classname, name, path = reported_as(node)
    attributes = {"classname": classname, "name": name}
    if path is not None:
        attributes["file"] = path
    attributes["time"] = f"{result.seconds:.3f}"
    case = SubElement(suite, "testcase", attributes)
    if outcome is Outcome.PASSED:
        return
    message = result.message or _DEFAULT_MESSAGES[outcome]
    detail = SubElement(case, _TAGS[outcome], {"message": message})
    if outcome is Outcome.SKIPPED:
        detail.set("type", "pytest.skip")
        detail.text = message
    else:
        detail.text = result.traceback or f"E       {message}"


def junit_outcome(
    results: Mapping[str, Result], *, sandbox: str = SANDBOX, seconds: float = 0.0
) -> RunOutcome:
    """A finished pytest run with its report: exit 1 if a test failed, 5 if none ran."""
    outcomes = [_result(value)[0] for value in results.values()]
    if any(outcome.is_failing for outcome in outcomes):
        exit_code = EXIT_TESTS_FAILED
    else:
        exit_code = EXIT_OK if outcomes else EXIT_NO_TESTS
    return RunOutcome(
        exit_code=exit_code,
        output=_summary(Counter(outcomes), seconds),
        report_xml=junit_xml(results),
        seconds=seconds,
        sandbox=sandbox,
    )


def _summary(counts: Counter[Outcome], seconds: float) -> str:
    words = [(Outcome.FAILED, "failed"), (Outcome.PASSED, "passed"),
             (Outcome.SKIPPED, "skipped"), (Outcome.ERROR, "error")]
    parts = [f"{counts[outcome]} {word}" for outcome, word in words if counts[outcome]]
    if counts[Outcome.ERROR] > 1:
        parts[-1] += "s"
    return f"{', '.join(parts) or 'no tests ran'} in {seconds:.2f}s\n"
