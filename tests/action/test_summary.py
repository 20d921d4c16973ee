"""The step summary's Markdown, from literal outcomes."""

from __future__ import annotations

from dataclasses import replace

from action.summary import Publication, cell, fenced, problem_summary, step_summary
from bot.core.models import Attempt, AttemptStatus, FixOutcome, FixStatus, RegressionTest
from bot.core.results import Outcome, Reproduction, TestCase, TestVerdict, ValidationResult

PATCH = """diff --git a/shop/catalog.py b/shop/catalog.py
--- a/shop/catalog.py
+++ b/shop/catalog.py
@@ -1,2 +1,2 @@
-    start = page * per_page
+    start = (page - 1) * per_page
"""
TOKEN = "ghs_" + "x" * 36
CASE = TestCase("tests.test_catalog", "test_first_page", Outcome.FAILED, file="tests/t.py",
                line=15, message=f"assert a | b == c\nmore (token {TOKEN})")
VALIDATION = ValidationResult(
    targets_pass=True,
    verdicts=(TestVerdict(CASE.key, Outcome.FAILED, Outcome.PASSED),
              TestVerdict("tests.test_catalog::test_search", Outcome.PASSED, Outcome.PASSED)),
    output="", seconds=2.5, sandbox="docker")
CHOSEN = Attempt(2, AttemptStatus.VALIDATED, "ok", diff=PATCH, validation=VALIDATION, round=2)
FIXED = FixOutcome(
    FixStatus.FIXED, (CASE,),
    (Attempt(1, AttemptStatus.TESTS_STILL_FAIL, "still failing: test_first_page"), CHOSEN),
    patch=PATCH, chosen=CHOSEN, explanation="Pages start at 1.",
    reproduction={CASE.key: Reproduction.CONFIRMED},
    timings={"total": 30.0, "model": 12.25}, sandbox="docker", model="qwen2.5-coder:1.5b",
    regression_tests=(RegressionTest("tests/t.py", "test_page_one", "", kept=True,
                                     reason="fails before, passes after"),))


NO_PUBLICATION = Publication()


def render(outcome: FixOutcome, publication: Publication = NO_PUBLICATION) -> str:
    return step_summary(outcome, publication=publication, build="[abc1234](http://ci/1)",
                        test_command="python -m pytest", secrets=(TOKEN,))


def test_fixed_run_reports_failures_attempts_validation_and_the_diff():
    text = render(FIXED, Publication(pr_url="http://gh/pull/7", branch="redfix/main-1"))
    assert text.startswith("## redfix: fixed\n**FIXED: a change was validated")
    assert "Pull request opened: http://gh/pull/7 (branch `redfix/main-1`)" in text
    assert ("| `tests.test_catalog::test_first_page` | failure | confirmed | tests/t.py:15 | "
            "assert a \\| b == c |") in text
    assert "- attempt 1 (round 1): **tests-still-fail** — still failing: test_first_page" in text
    assert "Ran `python -m pytest` in the **docker** sandbox (2.5 s): 2 test(s), 0 regression(s)"\
        in text
    assert "| `tests.test_catalog::test_first_page` | failed | passed |" in text
    assert "- try 1/1: `tests/t.py::test_page_one` added: fails before, passes after" in text
    assert f"```diff\n{PATCH.rstrip()}\n```" in text
    assert "Time: total 30.0 s, model 12.2 s." in text


def test_secrets_are_redacted_everywhere():
    outcome = FixOutcome(FixStatus.NOT_FIXED, (CASE,), explanation=f"tried with {TOKEN}")
    assert TOKEN not in render(outcome)
    assert "[REDACTED]" in render(outcome)


def test_where_a_test_failed_comes_from_the_annotation_locations():
    case = TestCase("tests.test_catalog", "test_first_page", Outcome.FAILED, message="boom")
    outcome = FixOutcome(FixStatus.NOT_FIXED, (case,))
    text = step_summary(outcome, publication=NO_PUBLICATION, build="b", test_command="pytest",
                        locations={case.key: "tests/test_catalog.py:17"})
    assert "| reported | tests/test_catalog.py:17 | boom |" in text


def test_no_fix_says_why_and_shows_no_validation_or_diff():
    outcome = FixOutcome(FixStatus.FLAKY, (CASE,), reproduction={CASE.key: Reproduction.FLAKY},
                         explanation="no failure reproduced on every run")
    text = render(outcome, Publication(reason="no validated fix (flaky)"))
    assert "**FLAKY: the failure does not happen on every run" in text
    assert "No pull request: no validated fix (flaky)" in text
    assert "### Result\nno failure reproduced on every run" in text
    assert "### Validation" not in text and "```diff" not in text


def test_a_cell_cannot_break_the_table():
    assert cell("a|b\nc  d\\") == "a\\|b c d\\\\"
    assert len(cell("x" * 1000)) == 200


def test_a_fence_outlasts_backticks_in_the_text():
    lines = fenced("```\ncode\n````", "diff")
    assert lines[0] == "`````diff" and lines[-1] == "`````"


def test_problem_summary_is_redacted():
    assert TOKEN not in problem_summary("error", f"bad {TOKEN}", secrets=(TOKEN,))


def test_the_validation_shown_is_the_chosen_attempts_even_when_another_passed_first():
    earlier = ValidationResult(targets_pass=True, output="", seconds=7.0, sandbox="podman",
                               verdicts=(TestVerdict("tests.test_x::test_elsewhere",
                                                     Outcome.FAILED, Outcome.PASSED),))
    first = Attempt(1, AttemptStatus.VALIDATED, "ok", diff="another diff\n", validation=earlier)
    outcome = replace(FIXED, attempts=(first, CHOSEN), patch=PATCH + "+def test_page_one(): ...\n")
    text = render(outcome)
    assert "in the **docker** sandbox (2.5 s)" in text and "test_elsewhere" not in text
