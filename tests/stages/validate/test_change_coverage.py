import json

from bot.core.diffs import unified_diff
from bot.core.models import ChangeCoverage
from bot.stages.validate.change_coverage import _count, changed_lines

BEFORE = {
    "shop/cart.py": "def total(items):\n    return sum(items) - 1\n\n\ndef count(items):\n",
    "tests/test_cart.py": "def test_total():\n    assert total([1]) == 1\n",
    "README.md": "old\n",
}
AFTER = {
    "shop/cart.py": "def total(items):\n    if not items:\n        return 0\n"
                    "    return sum(items)\n\n\ndef count(items):\n",
    "tests/test_cart.py": BEFORE["tests/test_cart.py"]
    + "\n\ndef test_empty():\n    assert total([]) == 0\n",
    "README.md": "new\n",
}
PATCH = unified_diff(BEFORE, AFTER)


def test_changed_lines_are_the_added_lines_of_source_files_only():
    assert changed_lines(PATCH) == {"shop/cart.py": {2, 3, 4}}
    assert changed_lines("not a diff") == {}


def _report(executed: list[int], missing: list[int], contexts: dict[str, list[str]]) -> bytes:
    file = {"executed_lines": executed, "missing_lines": missing, "contexts": contexts}
    return json.dumps({"files": {"/work/repo/shop/cart.py": file}}).encode()


def test_lines_run_only_by_the_new_test_count_after_but_not_before():
    data = _report(
        executed=[1, 2, 3, 4],
        missing=[],
        contexts={
            "1": [""],  # the def line runs on import
            "2": ["tests/test_cart.py::test_total", "tests/test_cart.py::test_empty"],
            "3": ["tests/test_cart.py::test_empty"],
            "4": ["tests/test_cart.py::test_total"],
        },
    )
    measured = _count(data, {"shop/cart.py": {2, 3, 4}}, "tests/test_cart.py::test_empty")
    assert measured == ChangeCoverage(3, 2, 3, ("shop/cart.py",))
    assert measured.text() == (
        "2 of 3 changed line(s) run by the existing tests (67 %), "
        "3 of 3 with the regression test (100 %)")


def test_unexecuted_and_non_executable_lines():
    data = _report(executed=[1, 4], missing=[2, 3], contexts={"4": ["t::a"]})
    measured = _count(data, {"shop/cart.py": {2, 3, 4, 40}}, None)
    assert (measured.executable, measured.before, measured.after) == (3, 1, 1), (
        "line 40 is no statement; 2 and 3 never ran")
    assert _count(b"{not json", {"shop/cart.py": {2}}, None).executable == 0
