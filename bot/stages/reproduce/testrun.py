"""How redfix asks a test runner for results, and how it reads them back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.core.results import RunOutcome, TestCase, TestReport
from bot.stages.ingest.junit import parse_report_bytes

PYTEST_REPORT_ARGS = (
    "-p",
    "no:cacheprovider",
    "-o",
    "junit_family=xunit1",
    "--junitxml={report}",
    "-q",
)


def is_pytest(command: Sequence[str]) -> bool:
    return any(part == "pytest" or part.endswith("/pytest") for part in command)


def suite_argv(
    command: Sequence[str],
    *,
    node_ids: Sequence[str] = (),
    deselect: Sequence[str] = (),
    hang_after_s: int | None = None,
) -> tuple[str, ...]:
    """The command that runs `node_ids` (all tests when empty) and writes a JUnit report.

    pytest gets its report options appended, and with `hang_after_s` dumps the stacks of
    a test still running after that long; any other command must place `{report}`
    itself (and `{tests}` where the selection goes), and cannot leave tests out.
    """
    if is_pytest(command):
        hang = ("-o", f"faulthandler_timeout={hang_after_s}") if hang_after_s else ()
        leave_out = [arg for node in deselect for arg in ("--deselect", node)]
        return (*command, *PYTEST_REPORT_ARGS, *hang, *leave_out, *node_ids)
    expanded: list[str] = []
    for part in command:
        if part == "{tests}":
            expanded.extend(node_ids)
        else:
            expanded.append(part)
    return tuple(expanded)


def _module_file(dotted: str, repo: Path) -> tuple[str, list[str]] | None:
    """Split `pkg.test_mod.TestClass` into (`pkg/test_mod.py`, [`TestClass`])."""
    parts = dotted.split(".") if dotted else []
    for cut in range(len(parts), 0, -1):
        candidate = "/".join(parts[:cut]) + ".py"
        if (repo / candidate).is_file():
            return candidate, parts[cut:]
    return None


def node_id(case: TestCase, repo: Path) -> str | None:
    """The pytest node id of a reported case, or None when its file cannot be found."""
    located = _module_file(case.classname, repo)
    if located is None and case.file and (repo / case.file).is_file():
        module = case.file.removesuffix(".py").replace("/", ".")
        rest = case.classname.removeprefix(module).strip(".")
        located = (case.file, rest.split(".") if rest else [])
    if located is None:
        return None
    path, classes = located
    return "::".join([path, *classes, case.name])


def source_of_test(case: TestCase, repo: Path) -> str | None:
    identifier = node_id(case, repo)
    return identifier.split("::", 1)[0] if identifier else None


def read_run(outcome: RunOutcome, *, label: str) -> TestReport | None:
    """The run's report, or None when the command wrote none (it crashed or was killed)."""
    if outcome.report_xml is None:
        return None
    return parse_report_bytes(outcome.report_xml, source=label)
