"""The culprit's revert goes through the policy like any candidate: reverting a change to
the tests would make a failing test pass by itself."""

from __future__ import annotations

from bot.core.history import Commit, Culprit
from bot.core.models import AttemptStatus
from bot.core.results import Outcome, TestCase, TestReport
from bot.stages.culprit.revert import try_revert
from bot.stages.generate.ask import AttemptContext
from bot.stages.localize.traceback_localizer import Localization
from bot.stages.reproduce.suite import Suite
from connectors.git_history import GitHistory
from connectors.sandbox.local import LocalRunner
from tests.host_pytest import HOST_PYTEST
from tests.stages.culprit.history_repo import BUG, TESTS, history

RECTANGLE = TestCase("tests.test_shapes", "test_rectangle", Outcome.FAILED,
                     file="tests/test_shapes.py")


def context(repo, *, allow_test_edits=False) -> AttemptContext:
    baseline = TestReport("baseline", (
        TestCase("tests.test_shapes", "test_square", Outcome.PASSED),
        RECTANGLE,
        TestCase("tests.test_shapes", "test_triangle", Outcome.PASSED),
        TestCase("tests.test_shapes", "test_describe", Outcome.PASSED),
    ))
    return AttemptContext(repo=repo, failures=(RECTANGLE,),
                          target_ids=("tests/test_shapes.py::test_rectangle",),
                          baseline=baseline, localization=Localization((), 1.0), model="m",
                          allow_test_edits=allow_test_edits)


def test_a_revert_that_changes_a_test_is_refused(tmp_path):
    repo = tmp_path / "repo"
    wrong_test = {"tests/test_shapes.py": TESTS.replace("== 10", "== 11")}
    shas = history(repo, ("test: a wrong expectation", wrong_test), BUG)
    culprit = Culprit(Commit(shas[1], "Ada", "test: a wrong expectation"), "")
    suite = Suite(LocalRunner(), repo, HOST_PYTEST, timeout_s=60)
    attempt = try_revert(culprit, context(repo), history=GitHistory(), suite=suite, number=4)
    assert attempt.status is AttemptStatus.POLICY_REJECTED
    assert attempt.detail.startswith(f"revert of {shas[1][:12]}")
    assert "tests/test_shapes.py" in attempt.detail and suite.history == [], "nothing ran"


def test_a_clean_revert_is_validated_in_the_sandbox(tmp_path):
    repo = tmp_path / "repo"
    shas = history(repo, BUG)
    culprit = Culprit(Commit(shas[1], "Ada", "area: a simpler rectangle"), "")
    suite = Suite(LocalRunner(), repo, HOST_PYTEST, timeout_s=60)
    attempt = try_revert(culprit, context(repo), history=GitHistory(), suite=suite, number=4)
    assert attempt.status is AttemptStatus.VALIDATED, attempt.detail
    assert attempt.number == 4 and "+    return width * height" in attempt.diff
    assert attempt.validation is not None and attempt.validation.passed
