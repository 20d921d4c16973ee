"""Failing tests named by pytest's short summary in a GitHub Actions log."""

from __future__ import annotations

from pathlib import Path

from bot.core.results import Outcome
from bot.stages.ingest.logs import failures_in_log
from bot.stages.reproduce.testrun import node_id
from tests.e2e.conftest import EXAMPLE

LINES = (
    "============================= test session starts ==============================",
    "tests/test_catalog.py ..FF.                                               [ 62%]",
    "=========================== short test summary info ============================",
    "\x1b[31mFAILED\x1b[0m tests/test_catalog.py::test_first_page_starts_with_first_item"
    " - assert [3, 4, 5] == [0, 1, 2]",
    "FAILED tests/test_catalog.py::test_last_page_is_partial - assert [] == [9]",
    "ERROR tests/test_db.py::TestStore::test_connect - ConnectionError: refused",
    "FAILED tests/test_catalog.py::test_last_page_is_partial - assert [] == [9]",
    "==================== 2 failed, 5 passed, 1 error in 0.12s =====================",
    "##[error]Process completed with exit code 1.",
)
# GitHub Actions prefixes every line of a job log with its time.
LOG = "".join(f"2026-01-02T03:04:{n:02d}.1234567Z {line}\n" for n, line in enumerate(LINES))


def test_summary_lines_become_failing_cases_once_each():
    report = failures_in_log(LOG, source="log of job tests")
    assert [(c.classname, c.name, c.outcome) for c in report.cases] == [
        ("tests.test_catalog", "test_first_page_starts_with_first_item", Outcome.FAILED),
        ("tests.test_catalog", "test_last_page_is_partial", Outcome.FAILED),
        ("tests.test_db.TestStore", "test_connect", Outcome.ERROR),
    ]
    first = report.cases[0]
    assert first.message == "assert [3, 4, 5] == [0, 1, 2]"
    assert first.file == "tests/test_catalog.py"
    assert first.signature and first.signature != report.cases[1].signature


def test_cases_resolve_to_the_pytest_node_ids_the_pipeline_reruns():
    report = failures_in_log(LOG, source="log")
    assert node_id(report.cases[0], Path(EXAMPLE)) == (
        "tests/test_catalog.py::test_first_page_starts_with_first_item")


def test_a_log_without_a_pytest_summary_names_nothing():
    assert failures_in_log("npm ERR! code ELIFECYCLE\nFAILED to build\n", source="x").cases == ()
