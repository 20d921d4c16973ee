"""How redfix asks a test runner for results, and how it reads them back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.core.languages.python import PYTEST_REPORT_ARGS as PYTEST_REPORT_ARGS
from bot.core.languages.registry import PYTHON, language_of_command, language_of_path
from bot.core.results import RunOutcome, TestCase, TestReport
from bot.stages.ingest.junit import parse_report_bytes


def is_pytest(command: Sequence[str]) -> bool:
    return PYTHON.runs(command)


def suite_argv(
    command: Sequence[str],
    *,
    node_ids: Sequence[str] = (),
    deselect: Sequence[str] = (),
    hang_after_s: int | None = None,
) -> tuple[str, ...]:
    """The command that runs `node_ids` (all tests when empty) and writes a JUnit report.

    A runner redfix knows (pytest, Jest) gets its language's selection and report
    options, unless the command places the selection itself (`{tests}`); any other
    command must place `{report}` itself (and `{tests}`), and cannot leave tests out.
    """
    language = language_of_command(command)
    places_selection = "{tests}" in command and language is not PYTHON  # pytest never did
    if language is not None and not places_selection:
        return language.select(command, node_ids, deselect=deselect, hang_after_s=hang_after_s)
    expanded: list[str] = []
    for part in command:
        if part == "{tests}":
            expanded.extend(node_ids)
        else:
            expanded.append(part)
    return tuple(expanded)


def node_id(case: TestCase, repo: Path) -> str | None:
    """The id the case's runner selects it by (pytest's node id for Python, the default),
    or None when its file cannot be found."""
    language = language_of_path(case.file) if case.file else None
    return (language or PYTHON).node_id(case, repo)


def source_of_test(case: TestCase, repo: Path) -> str | None:
    identifier = node_id(case, repo)
    return identifier.split("::", 1)[0] if identifier else None


def read_run(outcome: RunOutcome, *, label: str) -> TestReport | None:
    """The run's report, or None when the command wrote none (it crashed or was killed)."""
    if outcome.report_xml is None:
        return None
    return parse_report_bytes(outcome.report_xml, source=label)
