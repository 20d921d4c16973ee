"""The bisection over commits whose test results are known in advance."""

from __future__ import annotations

from bot.core.history import Commit, Step
from bot.stages.culprit.bisect import bisect, next_probe

COMMITS = [Commit(f"c{i}", "a", f"commit {i}") for i in range(10)]


def probe_of(first_bad: int, skip: frozenset[int] = frozenset()):
    asked: list[int] = []

    def probe(commit: Commit) -> Step:
        index = int(commit.sha[1:])
        asked.append(index)
        if index in skip:
            return Step.SKIP
        return Step.BAD if index >= first_bad else Step.GOOD

    return probe, asked


def never() -> bool:
    return False


def test_every_first_bad_commit_is_found_in_log2_steps():
    for first_bad in range(10):
        probe, asked = probe_of(first_bad)
        found = bisect(COMMITS, probe, max_steps=20, out_of_time=never)
        assert found.first_bad == COMMITS[first_bad]
        assert len(asked) <= 4 and 9 not in asked, "the last commit is known to be bad"


def test_skipped_commits_are_stepped_around():
    probe, asked = probe_of(7, skip=frozenset({4, 5}))
    found = bisect(COMMITS, probe, max_steps=20, out_of_time=never)
    assert found.first_bad == COMMITS[7]
    assert asked[:2] == [4, 3], "the middle is skipped: its nearest neighbour is tried"
    assert (COMMITS[4].sha, Step.SKIP) in found.steps


def test_a_skipped_neighbour_leaves_two_suspects():
    probe, _ = probe_of(6, skip=frozenset({5}))
    found = bisect(COMMITS, probe, max_steps=20, out_of_time=never)
    assert found.first_bad is None
    assert found.suspects == (COMMITS[5], COMMITS[6])


def test_the_step_limit_and_the_deadline_stop_it():
    probe, asked = probe_of(7)
    found = bisect(COMMITS, probe, max_steps=1, out_of_time=never)
    assert found.bounded and len(asked) == 1 and len(found.suspects) > 1
    probe, asked = probe_of(7)
    found = bisect(COMMITS, probe, max_steps=20, out_of_time=lambda: True)
    assert found.bounded and asked == []


def test_one_commit_needs_no_probe():
    probe, asked = probe_of(0)
    found = bisect(COMMITS[:1], probe, max_steps=20, out_of_time=never)
    assert found.first_bad == COMMITS[0] and asked == []


def test_next_probe_goes_out_from_the_middle():
    assert next_probe(-1, 9, set()) == 4
    assert next_probe(-1, 9, {4}) == 3
    assert next_probe(-1, 9, {3, 4}) == 5
    assert next_probe(0, 2, {1}) is None
