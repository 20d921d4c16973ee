"""The realbugs suite as `redfix eval` loads it from a built directory."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import UsageError
from bot.evaluation.command import load_suite
from bot.evaluation.realbugs import LOOPBACK_UP, load_realbugs
from bot.evaluation.taskrepo import materialize
from connectors.vector.identity import repository_name

SOURCE = "pkg/core.py"
TEST_FILE = "tests/test_core.py"


def record(**changes: Any) -> dict[str, Any]:
    return {
        "id": "proj-1", "project": "proj", "fixed_commit": "f1x",
        "repository": "https://github.com/example/proj",
        "test_files": [TEST_FILE], "failing_tests": [f"{TEST_FILE}::test_adds"],
        "changed_files": [SOURCE], "changed_functions": {SOURCE: ["add"]},
        "deselect": [f"{TEST_FILE}::test_needs_network"],
        "extra_tests": ["tests/test_other.py"], **changes,
    }


def built(root: Path, *records: dict[str, Any]) -> Path:
    """A built directory: the checkout, the developers' fixed source, an interpreter."""
    interpreter = root / "venv" / "bin" / "python"
    interpreter.parent.mkdir(parents=True)
    interpreter.write_text("")
    for bug in records:
        checkout = root / bug["id"]
        (checkout / "pkg").mkdir(parents=True)
        (checkout / "tests").mkdir()
        (checkout / SOURCE).write_text("def add(a, b):\n    return a - b\n")
        (checkout / TEST_FILE).write_text("from pkg.core import add\n")
        reference = root / "_reference" / bug["id"] / "pkg"
        reference.mkdir(parents=True)
        (reference / "core.py").write_text("def add(a, b):\n    return a + b\n")
    lines = [json.dumps({"interpreter": str(interpreter), **bug}) for bug in records]
    (root / "bugs.jsonl").write_text("\n".join(lines) + "\n")
    return root


def test_a_built_bug_is_a_task_run_with_its_own_interpreter(tmp_path: Path) -> None:
    (task,) = load_realbugs(built(tmp_path, record()))

    assert task.task_id == "proj-1" and task.suite == "realbugs" and not task.excluded
    assert task.base_tree == tmp_path / "proj-1"
    assert task.files[SOURCE].endswith("a - b\n") and TEST_FILE in task.files
    assert task.reference == {SOURCE: "def add(a, b):\n    return a + b\n"}
    assert task.visible_tests == (f"{TEST_FILE}::test_adds",)
    assert task.hidden_tests == ("tests/test_other.py",)
    interpreter = str(tmp_path / "venv" / "bin" / "python")
    assert task.test_command == (*LOOPBACK_UP, interpreter, "-m", "pytest")
    assert task.test_args == ("--deselect", f"{TEST_FILE}::test_needs_network", TEST_FILE)
    assert task.metadata["functions"] == f"{SOURCE}:add"


def test_bugs_of_one_project_share_its_index_as_clones_of_it_would(tmp_path: Path) -> None:
    first, second = load_realbugs(built(tmp_path / "suite", record(), record(id="proj-2")))
    repos = [materialize(task, tmp_path / task.task_id) for task in (first, second)]
    assert {repository_name(repo) for repo in repos} == {"https://github.com/example/proj"}


def test_eval_finds_the_suite_by_name_through_its_variable(tmp_path: Path) -> None:
    root = built(tmp_path, record())
    tasks = load_suite("realbugs", data=None, env={"REDFIX_REALBUGS": str(root)})
    assert [t.task_id for t in tasks] == ["proj-1"]
    with pytest.raises(UsageError, match="REDFIX_REALBUGS"):
        load_suite("realbugs", data=None, env={})


def test_a_bug_whose_interpreter_is_gone_is_excluded_with_the_way_back(tmp_path: Path) -> None:
    root = built(tmp_path, record())
    (root / "venv" / "bin" / "python").unlink()
    (task,) = load_realbugs(root)
    assert "is gone: run the build again" in task.excluded


def test_a_bug_excluded_by_the_builder_keeps_its_reason(tmp_path: Path) -> None:
    root = built(tmp_path, record(excluded="cannot install requests-async==0.5.0"))
    (root / "proj-1" / TEST_FILE).unlink()  # a half-built checkout is never read
    (task,) = load_realbugs(root)
    assert task.excluded == "cannot install requests-async==0.5.0" and task.files == {}


@pytest.mark.parametrize(("line", "says"), [
    ("{not json", "bugs.jsonl:1: not a JSON object"),
    ("[1, 2]", "bugs.jsonl:1: expected a JSON object"),
    (json.dumps({"id": "x"}), "needs project, test_files, failing_tests, changed_files"),
    (json.dumps(record(changed_files=[])), "proj-1 names no changed source file"),
    (json.dumps(record(test_files="tests/test_core.py")), "test_files should be a list"),
    ("", "no bugs in the file"),
])
def test_a_bad_bug_list_names_the_line_and_the_problem(
    tmp_path: Path, line: str, says: str
) -> None:
    (tmp_path / "bugs.jsonl").write_text(line + "\n")
    with pytest.raises(UsageError, match=re.escape(says)):
        load_realbugs(tmp_path)


def test_a_missing_build_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=re.escape("python -m bench.realbugs.build")):
        load_realbugs(tmp_path / "nowhere")


def test_an_unbuilt_checkout_says_to_build_again(tmp_path: Path) -> None:
    root = built(tmp_path, record())
    (root / "_reference" / "proj-1" / "pkg" / "core.py").unlink()
    with pytest.raises(UsageError, match=re.escape("rebuild with `python -m bench.realbugs")):
        load_realbugs(root)
