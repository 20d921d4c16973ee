"""The culprit in what redfix publishes: the summary, the PR body and title, the JSON."""

from __future__ import annotations

from dataclasses import replace

from bot.core.history import Commit, Culprit, CulpritSearch, Step
from bot.stages.publish.outcome_json import outcome_to_json
from bot.stages.publish.plans import pull_request_plan
from bot.stages.publish.terminal import summary
from tests.app.test_publishing import FIXED, JOB

COMMIT = Commit("b" * 40, "Ada <ada@example.org>", "catalog: pages from zero")
FOUND = CulpritSearch("a" * 40, Culprit(COMMIT, "diff --git ...", {"bookshop/catalog.py": (30,)}),
                      "bisected 6 commits, 4 of them tested", (("a" * 40, Step.GOOD),),
                      (COMMIT,), 3.25)
NONE_GIVEN = CulpritSearch("", None, "no last green revision was given (--good REV)")


def test_the_summary_and_the_pull_request_name_the_culprit():
    outcome = replace(FIXED, culprit=FOUND)
    line = ('culprit: bbbbbbbbbbbb "catalog: pages from zero" by Ada <ada@example.org> broke the '
            "failing tests (bisected 6 commits, 4 of them tested, 3.2s); it changed "
            "bookshop/catalog.py (1 line(s))")
    assert line in summary(outcome).splitlines()
    plan = pull_request_plan(JOB, outcome, test_command=("pytest",))
    assert plan is not None
    assert "### The change that broke it\nbbbbbbbbbbbb \"catalog: pages from zero\"" in plan.body
    assert "This is a revert" not in plan.body


def test_a_revert_says_so_in_its_title_and_body():
    outcome = replace(FIXED, culprit=FOUND, revert=True)
    plan = pull_request_plan(JOB, outcome, test_command=("pytest",))
    assert plan is not None
    assert plan.title == 'redfix: revert bbbbbbbbbbbb "catalog: pages from zero"'
    assert "**This is a revert**" in plan.body
    assert "REVERT of the culprit" in summary(outcome)


def test_no_culprit_section_in_the_pull_request_without_a_good_revision():
    outcome = replace(FIXED, culprit=NONE_GIVEN)
    plan = pull_request_plan(JOB, outcome, test_command=("pytest",))
    assert plan is not None and "The change that broke it" not in plan.body
    assert "culprit: none found: no last green revision was given" in summary(outcome)


def test_the_json_record_carries_the_commit_and_its_lines():
    record = outcome_to_json(replace(FIXED, culprit=FOUND))
    assert record["culprit"]["commit"] == {
        "sha": "b" * 40, "author": "Ada <ada@example.org>",
        "message": "catalog: pages from zero", "lines": {"bookshop/catalog.py": [30]},
        "diff": "diff --git ...",
    }
    assert record["culprit"]["steps"] == [{"commit": "a" * 40, "tests": "good"}]
    assert record["revert"] is False
    assert outcome_to_json(FIXED)["culprit"] is None
