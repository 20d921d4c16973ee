from pathlib import Path

import pytest

from bot.core.results import Outcome
from bot.stages.reproduce.hangs import find_hang, hang_after_s
from bot.stages.reproduce.testrun import node_id

TEST_FILE = """\
import threading

from counter import steps_to_zero


def helper():
    return steps_to_zero(3)


class TestSteps:
    @staticmethod
    def test_counts_down():
        assert helper() == 3


def test_plain():
    assert steps_to_zero(3) == 3
"""

SOURCE = (
    "def steps_to_zero(n):\n    steps = 0\n    while n != 0:\n        n += 1\n"
    "        steps += 1\n    return steps\n"
)


def dump(test_line: int, function: str, *, root: str = "/tmp/redfix-run-x/repo") -> str:
    """What pytest's faulthandler prints, with a worker thread before the main one."""
    return f"""tests/test_counter.py .Timeout (0:00:15)!
Thread 0x00007f0000000001 (most recent call first):
  File "/usr/lib/python3.11/threading.py", line 320 in wait
  File "/usr/lib/python3.11/threading.py", line 975 in run

Current thread 0x00007fee5101fb80 (most recent call first):
  File "{root}/counter.py", line 4 in steps_to_zero
  File "{root}/tests/test_counter.py", line 7 in helper
  File "{root}/tests/test_counter.py", line {test_line} in {function}
  File "/venv/lib/python3.11/site-packages/_pytest/python.py", line 187 in pytest_pyfunc_call
  File "/venv/lib/python3.11/site-packages/pluggy/_callers.py", line 103 in _multicall
  File "<frozen runpy>", line 198 in _run_module_as_main
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_counter.py").write_text(TEST_FILE)
    (tmp_path / "counter.py").write_text(SOURCE)
    return tmp_path


def test_the_dump_names_the_test_method_and_where_it_was_stuck(repo):
    hang = find_hang(dump(13, "test_counts_down"), repo, timeout_s=60)
    assert hang is not None
    assert node_id(hang, repo) == "tests/test_counter.py::TestSteps::test_counts_down"
    assert hang.outcome is Outcome.FAILED
    assert "counter.py:4 in steps_to_zero" in hang.message
    assert "60 s" in hang.message and "0:00:15" in hang.message
    assert hang.traceback.splitlines()[1:4] == [
        '  File "tests/test_counter.py", line 13, in test_counts_down',
        '  File "tests/test_counter.py", line 7, in helper',
        '  File "counter.py", line 4, in steps_to_zero',
    ], "repository frames only, outermost first, relative paths"


def test_a_plain_test_function_from_a_container_path(repo):
    hang = find_hang(dump(17, "test_plain", root="/work"), repo, timeout_s=60)
    assert hang is not None and node_id(hang, repo) == "tests/test_counter.py::test_plain"


def test_the_last_dump_counts(repo):
    output = dump(13, "test_counts_down") + "\n.\n" + dump(17, "test_plain")
    hang = find_hang(output, repo, timeout_s=60)
    assert hang is not None and node_id(hang, repo) == "tests/test_counter.py::test_plain"


def test_a_stack_outside_any_test_function_names_nothing(repo):
    # Stuck in a helper called at import time: the outermost repo frame is no test.
    assert find_hang(dump(7, "helper"), repo, timeout_s=60) is None


def test_output_without_a_dump_names_nothing(repo):
    assert find_hang("tests/test_counter.py ..\n", repo, timeout_s=60) is None


def test_a_dump_of_files_outside_the_repository_names_nothing(tmp_path):
    assert find_hang(dump(13, "test_counts_down"), tmp_path, timeout_s=60) is None


@pytest.mark.parametrize(("limit", "after"), [(300, 75), (60, 15), (3, 1), (0.5, 1)])
def test_stacks_are_dumped_at_a_quarter_of_the_limit(limit, after):
    assert hang_after_s(limit) == after
