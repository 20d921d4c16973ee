"""Regression tests: reading a generated test and the gates it must pass to be kept.

Kept only if it passes on the fixed code, fails on the original code for the right
reason (an assertion about the bug, not an import, syntax or name error), passes
every rerun, and uses no network, clock or unseeded randomness.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.results import Outcome, TestCase, TestReport
from bot.stages.apply.refusal import Refusal
from bot.stages.apply.symbols import add_imports

FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)
WRONG_REASONS = (
    "ImportError",
    "ModuleNotFoundError",
    "SyntaxError",
    "IndentationError",
    "NameError",
    "fixture '",
)
NETWORK_MODULES = frozenset(
    {"socket", "requests", "urllib", "http", "httpx", "aiohttp", "urllib3", "ftplib", "smtplib"}
)
CLOCK_CALLS = frozenset(
    {
        "time.time",
        "time.monotonic",
        "time.perf_counter",
        "time.sleep",
        "datetime.now",
        "datetime.today",
        "date.today",
        "datetime.utcnow",
        "uuid.uuid4",
        "uuid.uuid1",
        "os.urandom",
    }
)


@dataclass(frozen=True)
class GeneratedTest:
    name: str
    imports: tuple[str, ...]
    function: str


def extract_test(text: str) -> GeneratedTest | str:
    """The first test function in the answer's code, or a sentence saying what is wrong."""
    for block in FENCE.findall(text):
        try:
            module = ast.parse(block)
        except SyntaxError as exc:
            return f"the test does not parse: {exc.msg} at line {exc.lineno}"
        tests = [
            node
            for node in module.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test")
        ]
        if tests:
            imports = tuple(
                ast.get_source_segment(block, node) or ""
                for node in module.body
                if isinstance(node, ast.Import | ast.ImportFrom)
            )
            start = min([tests[0].lineno, *(d.lineno for d in tests[0].decorator_list)])
            function = "\n".join(block.splitlines()[start - 1 : tests[0].end_lineno])
            return GeneratedTest(tests[0].name, imports, function)
    return "the answer held no ```python block with a test function"


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def nondeterminism(test: GeneratedTest) -> list[str]:
    """Reasons the test could pass or fail by chance or reach the outside world."""
    source = "\n".join([*test.imports, test.function])
    tree = ast.parse(source)
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
            problems += [
                f"uses the network ({name})"
                for name in names
                if name.split(".")[0] in NETWORK_MODULES
            ]
        if isinstance(node, ast.Call):
            called = _dotted(node.func)
            if any(called.endswith(clock) for clock in CLOCK_CALLS):
                problems.append(f"depends on the clock or entropy ({called})")
    uses_random = "random." in source or "import random" in source
    if uses_random and "seed(" not in source:
        problems.append("uses randomness without a seed")
    return list(dict.fromkeys(problems))


def unique_name(name: str, existing_source: str) -> str:
    taken = {
        node.name
        for node in ast.walk(ast.parse(existing_source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    return candidate


def add_to_file(existing: str, test: GeneratedTest, *, name: str) -> str:
    """The test file with the new test appended and the imports it lacks after the file's own."""
    function = re.sub(rf"\bdef {re.escape(test.name)}\(", f"def {name}(", test.function, count=1)
    with_imports = add_imports(existing, "\n".join(test.imports)) if test.imports else existing
    if isinstance(with_imports, Refusal):  # the file does not parse: the run will say so
        with_imports = "\n".join([*test.imports, existing])
    return f"{with_imports.rstrip()}\n\n\n{function.rstrip()}\n"


def duplicated_test(test: GeneratedTest, existing_source: str) -> str | None:
    """The name of an existing test with the same body (names and messages aside), if any."""
    try:
        new = ast.parse(textwrap.dedent(test.function)).body[0]
        tests = [n for n in ast.walk(ast.parse(existing_source)) if isinstance(n, ast.FunctionDef)]
    except (SyntaxError, IndexError):
        return None
    shape = _test_shape(new)
    return next((old.name for old in tests if _test_shape(old) == shape), None)


def _test_shape(node: ast.AST) -> str:
    body = node.body if isinstance(node, ast.FunctionDef) else []
    without_messages = [
        ast.Assert(test=stmt.test) if isinstance(stmt, ast.Assert) else stmt for stmt in body
    ]
    return "\n".join(ast.dump(stmt) for stmt in without_messages)


def _case(report: TestReport | None, name: str) -> TestCase | None:
    if report is None:
        return None
    return next((case for case in report.cases if case.name.split("[")[0] == name), None)


def fails_for_the_right_reason(report: TestReport | None, name: str) -> str | None:
    """None when the test failed on the original code because of the bug, else why not."""
    case = _case(report, name)
    if case is None:
        return _not_collected(report)
    if case.outcome is Outcome.PASSED:
        return "the test also passes on the original code, so it does not catch the bug"
    text = f"{case.message}\n{case.traceback}"
    wrong = next((reason for reason in WRONG_REASONS if reason in text), None)
    if case.outcome is Outcome.ERROR or wrong:
        return f"on the original code it fails for the wrong reason ({wrong or 'error'})"
    if case.outcome is not Outcome.FAILED:
        return f"on the original code the test was {case.outcome}"
    return None


def _not_collected(report: TestReport | None) -> str:
    """Why a test has no result: usually its file failed to import (a collection error)."""
    errors = report.failures if report else ()
    text = "\n".join(f"{case.message}\n{case.traceback}" for case in errors)
    wrong = next((reason for reason in WRONG_REASONS if reason in text), None)
    if wrong:
        return f"on the original code it fails for the wrong reason ({wrong}) before running"
    return "on the original code the test did not run (no result was reported)"


def passes_every_run(reports: Sequence[TestReport | None], name: str) -> str | None:
    """None when the test passed on the fixed code every time; else whether it always failed
    there (a wrong expectation, or a fix that is not complete) or only sometimes (flaky)."""
    outcomes = [case.outcome if case else "not run" for case in (_case(r, name) for r in reports)]
    failed = [(number, outcome) for number, outcome in enumerate(outcomes, start=1)
              if outcome is not Outcome.PASSED]
    if not failed:
        return None
    if len(failed) == len(outcomes):
        return (f"it fails on the fixed code too ({failed[0][1]} in all {len(outcomes)} runs): "
                "it expects something else, or the fix is not complete")
    number, outcome = failed[0]
    return f"on the fixed code run {number} of {len(outcomes)} was {outcome}: it is flaky"
