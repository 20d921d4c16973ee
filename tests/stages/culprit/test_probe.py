"""What the failing tests' runs at one commit say about it: the flaky handling of
reproduce (every run must agree), and no report or a missing test meaning untestable."""

from __future__ import annotations

from bot.core.history import Step
from bot.core.results import Outcome, TestCase, TestReport
from bot.stages.culprit.probe import step_of

KEYS = ["t::test_a", "t::test_b"]


def run(**outcomes: Outcome) -> TestReport:
    return TestReport("run", tuple(TestCase("t", name, outcome) for name, outcome in
                                   outcomes.items()))


PASS, FAIL = Outcome.PASSED, Outcome.FAILED


def test_all_passing_on_every_run_is_good():
    assert step_of(KEYS, [run(test_a=PASS, test_b=PASS)] * 3) is Step.GOOD


def test_one_test_failing_on_every_run_is_bad():
    runs = [run(test_a=PASS, test_b=FAIL), run(test_a=FAIL, test_b=FAIL)]
    assert step_of(KEYS, runs) is Step.BAD


def test_runs_that_disagree_are_flaky_and_skipped():
    runs = [run(test_a=PASS, test_b=FAIL), run(test_a=PASS, test_b=PASS)]
    assert step_of(KEYS, runs) is Step.SKIP


def test_no_report_or_a_missing_test_cannot_tell():
    assert step_of(KEYS, [None]) is Step.SKIP
    assert step_of(KEYS, [run(test_a=PASS, test_b=PASS), None]) is Step.SKIP
    assert step_of(KEYS, [run(test_a=PASS)]) is Step.SKIP
    assert step_of(KEYS, [run(test_a=FAIL)]) is Step.BAD, "a test failing every time decides"
    assert step_of(KEYS, []) is Step.SKIP
