"""Turning pipeline outcomes and baseline answers into verdicts, and records into JSON."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.errors import UsageError
from bot.core.models import Attempt, AttemptStatus, FixOutcome, FixStatus, RegressionTest
from bot.evaluation.naive import naive_messages, whole_file
from bot.evaluation.redfix_run import classify, fixed_round, regression_test_status
from bot.evaluation.results import (
    UNCONFIRMED,
    Mode,
    TaskRun,
    Verdict,
    run_from_json,
    run_to_json,
)
from bot.evaluation.runner import selection_text
from bot.evaluation.taskrepo import HiddenResult
from bot.evaluation.tasks import EvalTask, scoreable, select_tasks

PASSED = HiddenResult(True, "", "1 passed", 0.4)
FAILED = HiddenResult(False, "hidden tests fail", "AssertionError", 0.4)


def outcome(status: FixStatus, *attempts: tuple[int, AttemptStatus]) -> FixOutcome:
    made = tuple(Attempt(n, s, "", diff=f"d{n}", round=r)
                 for n, (r, s) in enumerate(attempts, start=1))
    return FixOutcome(status, (), made, patch="d3+test" if status is FixStatus.FIXED else "")


def test_a_claimed_fix_is_judged_by_the_hidden_tests():
    fixed = outcome(FixStatus.FIXED, (1, AttemptStatus.REGRESSION), (2, AttemptStatus.NO_EDITS),
                    (2, AttemptStatus.VALIDATED))
    assert classify(fixed, PASSED) == (Verdict.FIXED, "")
    assert classify(fixed, FAILED) == (Verdict.FALSE_FIX, "hidden tests fail")
    assert fixed_round(fixed) == 2, "the patch may carry a regression test: rounds decide"


def test_unfixed_outcomes_name_their_cause():
    tried = outcome(FixStatus.NOT_FIXED, (1, AttemptStatus.EDIT_DID_NOT_APPLY),
                    (2, AttemptStatus.TESTS_STILL_FAIL))
    assert classify(tried, None) == (Verdict.NO_FIX, "tests still fail")
    assert fixed_round(tried) is None
    assert classify(outcome(FixStatus.FLAKY), None) == (Verdict.FLAKY, "flaky")
    assert classify(outcome(FixStatus.LOW_CONFIDENCE), None)[1] == "low confidence (localization)"
    held = outcome(FixStatus.UNCONFIRMED, (1, AttemptStatus.VALIDATED))
    assert classify(held, None) == (Verdict.NO_FIX, UNCONFIRMED), "held back is not a claim"


def test_the_regression_test_status_is_kept_or_the_last_rejection():
    fixed = outcome(FixStatus.FIXED, (1, AttemptStatus.VALIDATED))
    first = RegressionTest("t.py", "test_a", "", kept=False, reason="passes before the fix")
    second = RegressionTest("t.py", "test_b", "", kept=False, reason="repeats test_x")
    assert regression_test_status(fixed) == "none"
    assert regression_test_status(replace(fixed, regression_tests=(first, second))) == (
        "rejected: repeats test_x")
    kept = replace(second, kept=True, reason="")
    assert regression_test_status(replace(fixed, regression_tests=(first, kept))) == "kept"


def test_whole_file_takes_the_longest_fenced_block():
    answer = "Use abs.\n```\nx = 1\n```\nThe file:\n```python\nimport os\n\nx = abs(-1)\n```\n"
    assert whole_file(answer) == "import os\n\nx = abs(-1)\n"
    assert whole_file("no code here") is None
    assert whole_file("```python\n```\n") is None


def test_naive_prompt_holds_the_output_tail_and_the_whole_file():
    (message,) = naive_messages("solution.py", "def f():\n    return 1\n", "x" * 5000 + "END")
    assert message.role == "user"
    assert "```python\ndef f():\n    return 1\n```" in message.content
    assert message.content.count("x") < 4100 and "END" in message.content
    assert "whole corrected file solution.py" in message.content


def test_run_records_round_trip_and_bad_ones_are_named():
    run = TaskRun("Python/1", "humanevalfix", Mode.REDFIX, Verdict.FALSE_FIX, cause="c",
                  fixed_at_attempt=2, attempt_statuses=("validated",), wall_seconds=3.21,
                  model_seconds=2.0, test_seconds=1.0)
    data = run_to_json(run)
    assert data["overhead_seconds"] == pytest.approx(0.21)
    assert run_from_json(data, source="r.json") == run
    detailed = replace(run, attempt_details=("AssertionError: 3 != 4",), attempt_diffs=("-a\n+b",),
                       regression_test="kept")
    assert run_from_json(run_to_json(detailed), source="r.json") == detailed
    older = {k: v for k, v in data.items() if k not in ("attempt_details", "attempt_diffs")}
    assert run_from_json(older, source="old.json").attempt_diffs == ()
    with pytest.raises(UsageError, match=r"r\.json: not a task run record"):
        run_from_json({"task_id": "x", "mode": "sideways"}, source="r.json")


def task(number: int) -> EvalTask:
    return EvalTask(f"T/{number}", "s", {}, {}, (), {}, (), "m.py")


def test_selection_is_the_first_n_or_a_seeded_sample_in_file_order():
    tasks = [task(n) for n in range(10)]
    assert [t.task_id for t in select_tasks(tasks, limit=3, seed=None)] == ["T/0", "T/1", "T/2"]
    drawn = select_tasks(tasks, limit=4, seed=7)
    assert drawn == select_tasks(tasks, limit=4, seed=7)
    assert drawn != select_tasks(tasks, limit=4, seed=8)
    assert [t.task_id for t in drawn] == sorted((t.task_id for t in drawn),
                                                key=lambda i: int(i[2:]))
    assert select_tasks(tasks, limit=None, seed=7) == tasks
    with pytest.raises(UsageError, match="--limit 0"):
        select_tasks(tasks, limit=0, seed=None)


def test_a_draw_from_the_scoreable_tasks_never_picks_an_excluded_one():
    tasks = [replace(task(n), excluded="no venv" if n % 2 else "") for n in range(20)]
    pool = scoreable(tasks)
    for seed in range(5):
        assert all(not t.excluded for t in select_tasks(pool, limit=6, seed=seed))
    assert selection_text(6, len(pool), limit=6, seed=1, left_out=10) == (
        "6 of 10 scoreable tasks drawn with seed 1 (10 the suite excludes left out)")
    assert selection_text(6, 20, limit=6, seed=1) == "6 of 20 tasks drawn with seed 1"
