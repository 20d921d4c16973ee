"""Finding reports by glob and pointing annotations at the failing line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from action.reports import (
    Location,
    annotation_text,
    find_reports,
    locate,
    required_reports,
)
from bot.core.errors import ConfigError
from bot.stages.ingest.junit import parse_report_bytes
from tests.e2e.conftest import EXAMPLE


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for name in ("reports/unit.xml", "reports/nested/it.xml", "reports/notes.txt", "junit.xml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<testsuite/>")
    return tmp_path


def test_globs_are_relative_to_the_workspace_and_double_star_recurses(workspace):
    found = find_reports(["reports/**/*.xml", "junit.xml", "reports/unit.xml"], workspace)
    assert [p.relative_to(workspace).as_posix() for p in found] == [
        "reports/nested/it.xml", "reports/unit.xml", "junit.xml"]


def test_absolute_globs_reach_downloaded_artifacts(workspace, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("artifacts")
    (elsewhere / "TEST-a.xml").write_text("<testsuite/>")
    assert find_reports([f"{elsewhere}/TEST-*.xml"], workspace) == [elsewhere / "TEST-a.xml"]


def test_named_reports_that_match_nothing_are_an_error_naming_the_input(workspace):
    with pytest.raises(ConfigError, match=r"^input reports: no file matches 'build/\*\.xml'"):
        required_reports(["build/*.xml"], workspace)


PYTEST_REPORT = b"""<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="2" failures="1" errors="1">
<testcase classname="tests.test_catalog" name="test_first_page_starts_with_first_item">
<failure message="assert [3, 4, 5] == [0, 1, 2]">def test_first_page_starts_with_first_item():
&gt;       assert paginate(list(range(10)), page=1, per_page=3) == [0, 1, 2]
E       assert [3, 4, 5] == [0, 1, 2]

tests/test_catalog.py:17: AssertionError</failure></testcase>
<testcase classname="tests.test_catalog" name="test_search_is_case_insensitive">
<error message="boom">tests/test_catalog.py:30: in test_search_is_case_insensitive
    search()
bookshop/catalog.py:12: in search
    raise RuntimeError("boom")
E   RuntimeError: boom</error></testcase>
</testsuite></testsuites>"""


def test_annotation_goes_to_the_failing_line_of_the_test_file():
    first, second = parse_report_bytes(PYTEST_REPORT, source="junit.xml").failures
    where = locate(first, EXAMPLE)
    assert (where.path, where.line) == ("tests/test_catalog.py", 17)
    where = locate(second, EXAMPLE)
    assert (where.path, where.line) == ("tests/test_catalog.py", 30), "the test's own frame"


def test_the_failing_line_beats_the_reported_definition_line():
    case = parse_report_bytes(PYTEST_REPORT, source="junit.xml").failures[0]
    reported = replace(case, file="tests/test_catalog.py", line=15)
    assert locate(reported, EXAMPLE).line == 17
    no_trace = replace(reported, traceback="", message="assert False")
    assert (locate(no_trace, EXAMPLE).path, locate(no_trace, EXAMPLE).line) == (
        "tests/test_catalog.py", 15)


def test_without_any_frame_the_test_file_is_named():
    case = replace(parse_report_bytes(PYTEST_REPORT, source="junit.xml").failures[0],
                   traceback="", message="assert False")
    assert locate(case, EXAMPLE) == Location("tests/test_catalog.py")


def test_annotation_text_is_the_message_cut_to_a_few_lines():
    case = parse_report_bytes(PYTEST_REPORT, source="junit.xml").failures[0]
    long = replace(case, message="\n".join(f"line {n}" for n in range(40)))
    assert annotation_text(long).splitlines()[-1] == "..."
    assert len(annotation_text(long).splitlines()) == 13
    assert annotation_text(case) == "assert [3, 4, 5] == [0, 1, 2]"
