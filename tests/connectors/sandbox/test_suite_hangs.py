"""A suite stopped by a test that never ends, run for real through the local sandbox."""

import re
from pathlib import Path

import pytest

from bot.core.errors import UsageError
from bot.core.results import Outcome
from bot.stages.reproduce.suite import Suite
from connectors.sandbox.local import LocalRunner
from tests.host_pytest import HOST_PYTEST

COUNTER = (
    "def steps_to_zero(n):\n    steps = 0\n    while n != 0:\n        n += 1\n"
    "        steps += 1\n    return steps\n"
)
TESTS = """\
from counter import steps_to_zero


def test_zero():
    assert steps_to_zero(0) == 0


class TestCountdown:
    def test_three(self):
        assert steps_to_zero(3) == 3


def test_wrong():
    assert steps_to_zero(0) == 1
"""


def suite_of(repo: Path) -> Suite:
    return Suite(LocalRunner(), repo, HOST_PYTEST, timeout_s=4)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "counter.py").write_text(COUNTER)
    (tmp_path / "test_counter.py").write_text(TESTS)
    return tmp_path


def test_the_hung_test_is_failing_and_the_rest_is_run_without_it(repo):
    suite = suite_of(repo)
    report = suite.complete_report(suite.run())
    outcomes = {case.key: case.outcome for case in report.cases}
    assert outcomes == {
        "test_counter::test_zero": Outcome.PASSED,
        "test_counter::test_wrong": Outcome.FAILED,
        "test_counter.TestCountdown::test_three": Outcome.FAILED,
    }
    hung = report.failures[-1]
    stuck = re.search(r"at counter\.py:(\d) in steps_to_zero", hung.message)
    assert stuck and stuck[1] in "345", "a line of the loop"
    assert "--deselect" in suite.history[1]
    assert "test_counter.py::TestCountdown::test_three" in suite.history[1]


def test_a_rerun_of_the_hung_test_stops_at_twice_the_dump_time(repo):
    suite = suite_of(repo)
    suite.complete_report(suite.run())
    rerun = suite.run(["test_counter.py::TestCountdown::test_three"])
    assert rerun.report is None and rerun.outcome.seconds < 3.5, "stopped at 2 s, not at 4 s"
    other = suite.run(["test_counter.py::test_zero"])
    assert other.report is not None and not other.report.failures


def test_a_suite_stuck_while_collecting_still_names_the_timeout(repo):
    (repo / "test_import.py").write_text("while True:\n    pass\n")
    suite = suite_of(repo)
    with pytest.raises(UsageError, match="did not finish within 4s"):
        suite.complete_report(suite.run())
    assert len(suite.history) == 1, "nothing named, nothing run again"
