"""The culprit stage over real git histories, with the failing tests run in the local
sandbox at each commit it tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.history import Step
from bot.core.ports import SilentProgress
from bot.core.results import Outcome, TestCase
from bot.stages.culprit.search import Limits
from bot.stages.culprit.stage import search_culprit
from bot.stages.reproduce.suite import Suite
from connectors.git_history import GitHistory
from connectors.sandbox.local import LocalRunner
from tests.host_pytest import HOST_PYTEST
from tests.stages.culprit.history_repo import BUG, LATER, UNRELATED, git, history

RECTANGLE = TestCase("tests.test_shapes", "test_rectangle", Outcome.FAILED,
                     file="tests/test_shapes.py")
BROKEN_BUILD = ("wip: names half written", {"shapes/names.py": "def describe(kind:\n"})
FIXED_BUILD = ("names: finish it", {"shapes/names.py": '"""Names."""\n\n\ndef describe(kind):\n'
                                    '    return f"a {kind}"\n'})


def search(repo: Path, good: str, *, steps: int = 12, reruns: int = 1):
    suite = Suite(LocalRunner(), repo, HOST_PYTEST, timeout_s=60)
    return search_culprit(good, [RECTANGLE], suite=suite, history=GitHistory(), reruns=reruns,
                          progress=SilentProgress(), limits=Limits(steps, 600))


def test_bisection_names_the_commit_that_broke_the_test(tmp_path):
    shas = history(tmp_path / "repo", *UNRELATED, BUG, *LATER)
    found = search(tmp_path / "repo", shas[0], reruns=2)
    assert found.culprit is not None
    commit = found.culprit.commit
    assert (commit.sha, commit.subject) == (shas[3], "area: a simpler rectangle")
    assert commit.author == "Ada Lovelace <ada@example.org>"
    assert "+    return width + height" in found.culprit.diff
    # the changed line is line 9 at the culprit; a later commit added two lines above it
    assert found.culprit.lines == {"shapes/area.py": (11,)}
    assert found.steps[0] == (shas[0], Step.GOOD), "--good is checked first"
    assert len(found.steps) <= 4 and not found.bounded
    assert "bisected 5 commits" in found.note


def test_a_commit_that_does_not_build_is_skipped(tmp_path):
    shas = history(tmp_path / "repo", *UNRELATED, BROKEN_BUILD, FIXED_BUILD, BUG, LATER[0])
    found = search(tmp_path / "repo", shas[0])
    assert found.culprit is not None and found.culprit.commit.sha == shas[5]
    assert (shas[3], Step.SKIP) in found.steps


def test_skipped_commits_next_to_the_culprit_leave_it_undecided(tmp_path):
    bug_and_fix = ("names: finish it; area: simpler", {**FIXED_BUILD[1], **BUG[1]})
    shas = history(tmp_path / "repo", UNRELATED[0], BROKEN_BUILD, bug_and_fix)
    found = search(tmp_path / "repo", shas[0])
    assert found.culprit is None
    assert [c.sha for c in found.suspects] == shas[2:]
    assert "that could not be tested were skipped" in found.note


def test_one_commit_after_good_is_the_culprit(tmp_path):
    shas = history(tmp_path / "repo", BUG)
    found = search(tmp_path / "repo", shas[0])
    assert found.culprit is not None and found.culprit.commit.sha == shas[1]
    assert found.steps == ((shas[0], Step.GOOD),), "only --good is tested"
    assert found.culprit.lines == {"shapes/area.py": (9,)}


def test_the_bound_stops_the_bisection_and_says_so(tmp_path):
    shas = history(tmp_path / "repo", *UNRELATED, BUG, *LATER)
    found = search(tmp_path / "repo", shas[0], steps=2)
    assert found.culprit is None and found.bounded
    assert len(found.steps) == 2
    assert "stopped at its limit (2 steps" in found.note
    assert shas[3] in {c.sha for c in found.suspects}


def test_good_equal_to_the_failing_commit_has_nothing_to_blame(tmp_path):
    shas = history(tmp_path / "repo", BUG)
    found = search(tmp_path / "repo", shas[1])
    assert found.culprit is None and found.steps == ()
    assert "is the failing commit itself" in found.note


def test_good_that_is_not_an_ancestor_is_refused(tmp_path):
    repo = tmp_path / "repo"
    shas = history(repo, UNRELATED[0], BUG)
    git(repo, "reset", "-q", "--hard", shas[0])  # history rewritten: the old tip is gone
    git(repo, "commit", "-q", "--allow-empty", "-m", "rewritten")
    (repo / "shapes" / "area.py").write_text(BUG[1]["shapes/area.py"])
    git(repo, "commit", "-q", "-am", "rewritten bug")
    found = search(repo, shas[2])
    assert found.culprit is None
    assert "is not an ancestor of HEAD" in found.note


def test_a_good_revision_where_the_test_fails_too_is_said(tmp_path):
    shas = history(tmp_path / "repo", BUG, *LATER)
    found = search(tmp_path / "repo", shas[1])
    assert found.culprit is None
    assert found.steps == ((shas[1], Step.BAD),)
    assert f"fail at --good {shas[1][:12]} too: the failure is older" in found.note


def test_no_good_revision_says_the_culprit_was_not_looked_for(tmp_path):
    history(tmp_path / "repo", BUG)
    found = search(tmp_path / "repo", "")
    assert found.culprit is None and "--good REV" in found.note


@pytest.mark.parametrize("revision", ["nosuchrev", "-x"])
def test_an_unknown_good_revision_is_named(tmp_path, revision):
    history(tmp_path / "repo")
    with pytest.raises(Exception, match=f"--good '?{revision}"):
        GitHistory().resolve(tmp_path / "repo", revision)


def test_uncommitted_changes_that_break_the_test_are_not_blamed_on_a_commit(tmp_path):
    repo = tmp_path / "repo"
    shas = history(repo, *UNRELATED)
    (repo / "shapes" / "area.py").write_text(BUG[1]["shapes/area.py"])
    found = search(repo, shas[0])
    assert found.culprit is None
    assert found.steps == ((shas[-1], Step.GOOD),)
    assert "the uncommitted changes broke them" in found.note


def test_uncommitted_changes_elsewhere_leave_the_bisection_as_it_was(tmp_path):
    repo = tmp_path / "repo"
    shas = history(repo, UNRELATED[0], BUG, LATER[0])
    (repo / "README.md").write_text("shapes, edited\n")
    found = search(repo, shas[0])
    assert found.culprit is not None and found.culprit.commit.sha == shas[2]
    assert found.steps[0] == (shas[-1], Step.BAD), "HEAD is tested first when the tree differs"


def test_a_good_revision_that_does_not_build_is_said(tmp_path):
    shas = history(tmp_path / "repo", BROKEN_BUILD, FIXED_BUILD, BUG)
    found = search(tmp_path / "repo", shas[1])
    assert found.culprit is None and found.steps == ((shas[1], Step.SKIP),)
    assert f"could not be run at --good {shas[1][:12]} (no report" in found.note
