"""The summary printed at the end of `redfix fix`."""

from __future__ import annotations

from bot.core.models import Attempt, AttemptStatus, FixOutcome, FixStatus, RegressionTest
from bot.core.results import Outcome, TestVerdict, ValidationResult
from bot.stages.publish.terminal import summary

VALIDATION = ValidationResult(True, (TestVerdict("t::a", Outcome.FAILED, Outcome.PASSED),),
                              "", 1.5, "docker")


def test_each_regression_test_try_is_one_line_of_its_own():
    rejected = RegressionTest("tests/t.py", "test_a_regression", "", kept=False,
                              reason="it passes on the original code")
    outcome = FixOutcome(FixStatus.NOT_FIXED, (), regression_tests=(rejected, rejected))
    lines = summary(outcome).splitlines()
    tries = [line for line in lines if line.startswith("regression test")]
    assert tries == [
        "regression test (try 1/2) test_a_regression rejected: it passes on the original code",
        "regression test (try 2/2) test_a_regression rejected: it passes on the original code"]


def test_the_validation_line_is_the_chosen_attempts():
    earlier = Attempt(1, AttemptStatus.VALIDATED, "ok", diff="x", round=2,
                      validation=ValidationResult(True, (), "", 9.0, "podman"))
    chosen = Attempt(2, AttemptStatus.VALIDATED, "ok", diff="y", validation=VALIDATION)
    outcome = FixOutcome(FixStatus.FIXED, (), (earlier, chosen), patch="y", chosen=chosen)
    assert "validated in the docker sandbox: 1 tests, 0 regressions, 1.5s" in summary(outcome)
