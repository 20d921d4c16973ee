"""What redfix publishes, decided from values: branch, PR body, check run, comments."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.github import require_redfix_branch
from bot.core.github_errors import GitHubRequestRejected
from bot.core.jobs import FixJob
from bot.core.models import Attempt, AttemptStatus, FixOutcome, FixStatus
from bot.core.results import Outcome, Reproduction, TestCase, TestVerdict, ValidationResult
from bot.stages.publish.plans import (
    changed_files,
    check_run_plan,
    comment_plans,
    fix_branch,
    marker,
    outcome_digest,
    pull_request_plan,
    validation_table,
)
from bot.stages.repair.loop import conclude

PATCH = """diff --git a/bookshop/catalog.py b/bookshop/catalog.py
--- a/bookshop/catalog.py
+++ b/bookshop/catalog.py
@@ -29,3 +29,3 @@ def paginate(items, page, per_page):
         raise ValueError("pages are numbered from 1")
-    start = page * per_page
+    start = (page - 1) * per_page
     return items[start : start + per_page]
"""
TOKEN = "ghs_" + "a" * 36
JOB = FixJob(delivery_id="d-1", event="workflow_run", installation_id=7,
             repository="octo/shop", clone_url="http://x/octo/shop.git", default_branch="main",
             head_sha="c0ffee" * 6 + "abcd", head_branch="feature/paging",
             build_url="http://x/octo/shop/actions/runs/5", run_id=5)
CASE = TestCase("tests.test_catalog", "test_first_page", Outcome.FAILED, file="tests/t.py",
                line=15, message=f"assert [3, 4] == [0, 1] (token {TOKEN})", signature="abc123")
VALIDATION = ValidationResult(
    targets_pass=True,
    verdicts=(TestVerdict("tests.test_catalog::test_first_page", Outcome.FAILED, Outcome.PASSED),
              TestVerdict("tests.test_catalog::test_search", Outcome.PASSED, Outcome.PASSED)),
    output="", seconds=1.25, sandbox="docker")
CHOSEN = Attempt(1, AttemptStatus.VALIDATED, "ok", diff=PATCH, validation=VALIDATION)
FIXED = FixOutcome(
    FixStatus.FIXED, (CASE,), (CHOSEN,), chosen=CHOSEN,
    patch=PATCH, explanation="Pages start at 1, so the offset must use page - 1.",
    reproduction={CASE.key: Reproduction.CONFIRMED}, timings={"total": 12.0, "model": 3.5},
    sandbox="docker", model="qwen2.5-coder:1.5b")
NOT_FIXED = FixOutcome(
    FixStatus.NOT_FIXED, (CASE,),
    (Attempt(1, AttemptStatus.TESTS_STILL_FAIL, "tests.test_catalog::test_first_page failed"),),
    explanation="no candidate passed validation (attempt 1: tests-still-fail)")


def test_branch_comes_from_the_failing_branch_and_the_failure_signatures():
    digest = outcome_digest(FIXED)
    assert fix_branch(JOB, digest) == f"redfix/feature-paging-{digest}"
    reordered = replace(FIXED, failures=(CASE, replace(CASE, name="b", signature="x")))
    assert outcome_digest(reordered) == outcome_digest(
        replace(FIXED, failures=(replace(CASE, name="b", signature="x"), CASE)))
    assert outcome_digest(reordered) != digest


@pytest.mark.parametrize("branch", ["main", "feature/x", "redfix/../main", "redfix/"])
def test_only_redfix_branches_may_be_pushed(branch):
    with pytest.raises(GitHubRequestRejected):
        require_redfix_branch(branch)


def test_pull_request_targets_the_failing_branch_with_a_full_body():
    plan = pull_request_plan(JOB, FIXED, test_command=("python", "-m", "pytest"),
                             secrets=())
    assert plan is not None
    assert plan.base == "feature/paging" and plan.branch.startswith("redfix/feature-paging-")
    body = plan.body
    assert marker(outcome_digest(FIXED)) in body
    assert "`tests.test_catalog::test_first_page` (tests/t.py:15): confirmed" in body
    assert "Pages start at 1" in body
    assert "`bookshop/catalog.py`: 1 line(s) added, 1 removed" in body
    assert "| `tests.test_catalog::test_first_page` | failed | passed |" in body
    assert "test_search`" not in body, "unchanged tests are counted, not listed"
    assert "The other 1 test(s) had the same outcome before and after." in body
    assert "Ran `python -m pytest` in the **docker** sandbox (1.2 s): 2 test(s), 0 regression(s)"\
        in body
    assert "`qwen2.5-coder:1.5b`" in body and "total 12.0 s" in body
    assert f"git fetch origin {plan.branch}" in body
    assert "/redfix retry" in body and JOB.build_url in body


def test_tokens_never_reach_the_pull_request():
    plan = pull_request_plan(JOB, FIXED, test_command=("pytest",), secrets=())
    assert plan is not None and TOKEN not in plan.body and "[REDACTED]" in plan.body


def test_no_pull_request_without_a_validated_fix_or_from_a_fork():
    assert pull_request_plan(JOB, NOT_FIXED, test_command=("pytest",)) is None
    fork = replace(JOB, from_fork=True)
    assert pull_request_plan(fork, FIXED, test_command=("pytest",)) is None


def test_check_run_says_success_with_a_pull_request_and_neutral_without():
    fixed = check_run_plan(JOB, FIXED, pr_url="http://x/pull/3")
    assert (fixed.name, fixed.conclusion, fixed.head_sha) == ("redfix", "success", JOB.head_sha)
    assert "http://x/pull/3" in fixed.title
    failed = check_run_plan(JOB, NOT_FIXED)
    assert failed.conclusion == "neutral" and "not-fixed" in failed.title
    assert "attempt 1: tests-still-fail" in failed.summary


def test_branch_build_gets_no_comment_and_pull_request_build_gets_one_per_pull():
    assert comment_plans(JOB, NOT_FIXED) == ()
    pr_job = replace(JOB, pull_requests=(4,))
    (comment,) = comment_plans(pr_job, NOT_FIXED)
    assert comment.issue_number == 4 and comment.marker in comment.body
    assert "no validated fix" in comment.body and "/redfix fix <hint>" in comment.body
    (opened,) = comment_plans(pr_job, FIXED, pr_url="http://x/pull/9")
    assert "http://x/pull/9" in opened.body


def test_an_unconfirmed_pass_gets_a_comment_with_its_diff_and_no_pull_request():
    held = conclude((Attempt(1, AttemptStatus.TESTS_STILL_FAIL, "still fails"),
                     Attempt(2, AttemptStatus.VALIDATED, "ok", diff=PATCH, round=2)))
    outcome = replace(held, failures=(CASE,), reproduction={CASE.key: Reproduction.CONFIRMED})
    pr_job = replace(JOB, pull_requests=(4,))
    assert pull_request_plan(pr_job, outcome, test_command=["pytest"]) is None
    (comment,) = comment_plans(pr_job, outcome)
    assert "no confirmed fix** (unconfirmed)" in comment.body
    assert "+    start = (page - 1) * per_page" in comment.body
    assert check_run_plan(pr_job, outcome).conclusion == "neutral"


def test_changed_files_counts_added_and_removed_lines():
    assert changed_files(PATCH) == [{"path": "bookshop/catalog.py", "added": 1, "removed": 1}]


def test_regressions_lead_the_table():
    broke = TestVerdict("tests.test_z::test_search", Outcome.PASSED, Outcome.FAILED)
    validation = replace(VALIDATION, verdicts=(*VALIDATION.verdicts, broke))
    attempt = replace(FIXED.attempts[0], validation=validation)
    table = validation_table(attempt)
    assert [row["key"] for row in table.rows] == [
        "tests.test_z::test_search", "tests.test_catalog::test_first_page"]
    assert (table.regressions, table.unchanged, table.total) == (1, 1, 3)


def test_the_table_describes_the_attempt_whose_change_is_pushed():
    """With the regression test in the patch, no attempt's diff equals it; the table must
    still be the chosen attempt's, not the first validated one's."""
    other = ValidationResult(
        targets_pass=True,
        verdicts=(TestVerdict("tests.test_catalog::test_other_only", Outcome.FAILED,
                              Outcome.PASSED),),
        output="", seconds=9.5, sandbox="podman")
    first = Attempt(1, AttemptStatus.VALIDATED, "ok", diff="a different diff\n", validation=other)
    with_test = PATCH + "diff --git a/tests/t.py b/tests/t.py\n+def test_page_one(): ...\n"
    outcome = replace(FIXED, attempts=(first, CHOSEN), patch=with_test, chosen=CHOSEN)
    plan = pull_request_plan(JOB, outcome, test_command=("pytest",))
    assert plan is not None
    assert "| `tests.test_catalog::test_first_page` | failed | passed |" in plan.body
    assert "test_other_only" not in plan.body and "**docker** sandbox (1.2 s)" in plan.body
