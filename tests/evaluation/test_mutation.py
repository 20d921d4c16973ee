"""Mutation tasks: the project's tests are visible, the original behaviour is the hidden check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bot.core.diffs import unified_diff
from bot.core.errors import UsageError
from bot.evaluation.mutation import (
    apply_mutation,
    function_source,
    load_mutation_suite,
    module_name,
)
from bot.evaluation.taskrepo import TaskRepo, hidden_check, materialize, qualify
from connectors.sandbox.local import LocalRunner

SHAPES = '''def area(w, h):
    return w * h


def describe(w, h):
    return f"{w}x{h}={area(w, h)}"
'''
TESTS = '''from shapes.core import area, describe


def test_area():
    assert area(2, 3) == 6


def test_describe_names_the_sides():
    assert describe(5, 5).startswith("5x5")
'''
MUTATION = {"path": "shapes/core.py", "function": "area", "line": 2, "col": 11, "end_col": 16,
            "old": "w * h", "new": "w + h", "operator": "operator swap"}


@pytest.fixture
def bench_root(tmp_path: Path) -> Path:
    tree = tmp_path / "cache" / "src" / "shapes-1.0"
    (tree / "shapes").mkdir(parents=True)
    (tree / "tests").mkdir()
    (tree / "shapes" / "__init__.py").write_text("")
    (tree / "shapes" / "core.py").write_text(SHAPES)
    (tree / "tests" / "test_core.py").write_text(TESTS)
    mutants = tmp_path / "cache" / "mutants" / "shapes"
    mutants.mkdir(parents=True)
    record = {"project": "shapes", "id": "shapes-001", "mutation": MUTATION, "failing": 1}
    (mutants / "001.json").write_text(json.dumps(record))
    return tmp_path / "cache"


def bench_of(root: Path, work: Path) -> TaskRepo:
    (task,) = load_mutation_suite(root)
    command = (sys.executable, "-m", "pytest", "-p", "no:hypothesispytest", *task.test_args)
    return TaskRepo(task, materialize(task, work), LocalRunner(), command, 60.0)


def patch_with(bench: TaskRepo, body: str) -> str:
    path = bench.task.buggy_module
    fixed = bench.task.reference[path].replace("    return w * h\n", body)
    return unified_diff({path: bench.task.files[path]}, {path: fixed})


def test_a_mutant_becomes_a_task_over_the_project(bench_root, tmp_path):
    bench = bench_of(bench_root, tmp_path / "work")
    assert (bench.repo / "tests" / "test_core.py").read_text() == TESTS
    assert "return w + h" in (bench.repo / "shapes" / "core.py").read_text()
    assert qualify(bench).excluded == ""
    assert not (bench.repo / "redfix_oracle.py").exists()


def test_hidden_check_passes_the_original_and_catches_a_change_the_tests_miss(
    bench_root, tmp_path
):
    bench = bench_of(bench_root, tmp_path / "work")
    good = hidden_check(bench, patch_with(bench, "    return w * h\n"), scratch=tmp_path / "a")
    assert good.passed, good.output
    assert "2 calls compared, 0 differed" in good.output
    overfit = patch_with(bench, "    return w * h if w < 5 else 0\n")
    assert bench.run_tests((), overlay={}).failing
    wrong = hidden_check(bench, overfit, scratch=tmp_path / "b")
    assert not wrong.passed
    assert "BehaviourChanged: area(5, 5) returned 0; the original returned 25" in wrong.output


def test_apply_mutation_checks_the_recorded_text():
    assert apply_mutation(SHAPES, MUTATION, where="m").splitlines()[1] == "    return w + h"
    with pytest.raises(UsageError, match=r"does not read 'w \* h'"):
        apply_mutation(SHAPES.replace("w * h", "h * w"), MUTATION, where="m")


def test_function_source_finds_methods_and_module_names_drop_src():
    source = "class Box:\n    @property\n    def size(self):\n        return 1\n"
    assert function_source(source, "Box.size") == "    def size(self):\n        return 1"
    assert function_source(source, "Box.missing") is None
    assert module_name("src/cachetools/__init__.py") == "cachetools"
    assert module_name("toolz/itertoolz.py") == "toolz.itertoolz"


def test_missing_mutants_say_how_to_make_them(tmp_path):
    with pytest.raises(UsageError, match="make_mutants"):
        load_mutation_suite(tmp_path)
