"""HumanEvalFix records become repositories whose tests say what the bug is."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.core.errors import UsageError
from bot.evaluation.humanevalfix import (
    HIDDEN_TEST,
    MODULE,
    VISIBLE_TEST,
    humanevalfix_task,
    load_humanevalfix,
    parse_check,
)
from bot.evaluation.taskrepo import TaskRepo, materialize, qualify
from connectors.sandbox.local import LocalRunner
from tests.evaluation.conftest import SAMPLE

PYTEST = (sys.executable, "-m", "pytest")


def bench_for(record, tmp_path: Path) -> TaskRepo:
    task = humanevalfix_task(record)
    return TaskRepo(task, materialize(task, tmp_path), LocalRunner(), PYTEST, 60.0)


def test_visible_test_fails_on_the_bug_and_passes_on_the_canonical_solution(records, tmp_path):
    bench = bench_for(records["Python/0"], tmp_path)
    task = bench.task
    buggy = bench.run_tests(task.visible_tests)
    assert buggy.failing and not buggy.passed
    failed = {case.name for case in buggy.report.failures}
    assert failed == {"test_example_1"}, "the second example passes on this bug"
    assert bench.run_tests(task.visible_tests, overlay=task.reference).passed
    assert (bench.repo / ".git").is_dir()
    assert not (bench.repo / HIDDEN_TEST).exists(), "redfix never sees the hidden tests"


def test_hidden_check_fails_on_the_bug_and_passes_on_the_canonical_solution(records, tmp_path):
    bench = bench_for(records["Python/53"], tmp_path)
    task = bench.task
    assert not bench.run_tests(task.hidden_tests, overlay=task.hidden_files).passed
    fixed = {**task.reference, **task.hidden_files}
    run = bench.run_tests(task.hidden_tests, overlay=fixed)
    assert run.passed
    assert [case.name for case in run.report.cases] == ["test_hidden_check"]


def test_qualify_accepts_a_good_task_and_excludes_passing_examples(records, tmp_path):
    assert qualify(bench_for(records["Python/151"], tmp_path / "a")).excluded == ""
    passing = qualify(bench_for(records["Python/32"], tmp_path / "b"))
    assert passing.excluded == "visible test passes on buggy code"


def test_examples_become_one_test_each_with_their_setup_lines(records):
    task = humanevalfix_task(records["Python/53"])
    visible = task.files[VISIBLE_TEST]
    assert visible.count("def test_example_") == 2
    assert "def test_example_2():\n    import random\n    assert add(5, 7) == 12\n" in visible
    assert task.files[MODULE].endswith("    return x + y + y + x\n")
    assert task.reference[MODULE].endswith("    return x + y\n")


def test_hidden_module_imports_the_helpers_check_uses(records):
    record = dict(records["Python/0"])
    record["test"] = (
        "def check(candidate):\n    assert candidate([1.0, 1.05], 0.1) == helper()\n\n"
        "check(has_close_elements)\n"
    )
    record["prompt"] = "def helper():\n    return True\n\n\n" + record["prompt"]
    hidden = humanevalfix_task(record).hidden_files[HIDDEN_TEST]
    assert "from solution import has_close_elements, helper\n" in hidden
    assert "from solution import has_close_elements as candidate\n" in hidden
    assert hidden.rstrip().endswith("check(has_close_elements)")
    assert "\ncheck(has_close_elements)\n\n\ndef test" not in hidden, "the bare call is dropped"


def test_task_without_examples_is_excluded_when_built(records):
    assert humanevalfix_task(records["Python/38"]).excluded == (
        "no example asserts for a visible test"
    )


def test_parse_check_skips_unparsable_code():
    assert parse_check("    def check(s):\n  broken") is None
    assert parse_check("x = 1\n") is None


def test_loading_names_the_bad_line(tmp_path):
    good = SAMPLE.read_text().splitlines()[0]
    path = tmp_path / "tasks.jsonl"
    path.write_text(good + "\n{not json\n")
    with pytest.raises(UsageError, match=r"tasks.jsonl:2: not a JSON object"):
        load_humanevalfix(path)
    path.write_text('{"task_id": "Python/x"}\n')
    with pytest.raises(UsageError, match=r"tasks.jsonl:1: .*lacks text field\(s\) prompt"):
        load_humanevalfix(path)


def test_the_sample_loads_in_file_order():
    ids = [task.task_id for task in load_humanevalfix(SAMPLE)]
    assert ids == ["Python/0", "Python/4", "Python/13", "Python/32", "Python/38", "Python/53",
                   "Python/151"]
