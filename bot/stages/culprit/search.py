"""The culprit stage: from the last green revision to the failing one, the commit that
broke the failing tests, its diff and the lines it changed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core.history import Commit, Culprit, CulpritSearch, Step
from bot.core.ports import History
from bot.stages.culprit.bisect import bisect
from bot.stages.culprit.lines import carried, changed_lines
from bot.stages.culprit.probe import CommitProbe

NO_GOOD = (
    "no last green revision was given (--good REV), so the change that broke the tests "
    "was not looked for"
)


@dataclass(frozen=True)
class Limits:
    max_steps: int = 12  # commits tested, --good included: 2**11 commits
    max_seconds: float = 1800.0


LIMITS = Limits()


def find_culprit(
    good: str,
    probe: CommitProbe,
    *,
    history: History,
    limits: Limits = LIMITS,
    clock: Callable[[], float] = time.monotonic,
) -> CulpritSearch:
    """`good` is a resolved commit id, or "" when none was given."""
    if not good:
        return CulpritSearch("", None, NO_GOOD)
    started = clock()
    search = _search(good, probe, history=history, limits=limits, started=started, clock=clock)
    return CulpritSearch(
        search.good, search.culprit, search.note, search.steps, search.suspects,
        round(clock() - started, 3), search.bounded,
    )


def _search(
    good: str,
    probe: CommitProbe,
    *,
    history: History,
    limits: Limits,
    started: float,
    clock: Callable[[], float],
) -> CulpritSearch:
    repo = probe.repo
    head = history.resolve(repo, "HEAD")
    if good == head:
        return CulpritSearch(good, None, f"--good {good[:12]} is the failing commit itself "
                             "(HEAD): there is no change between them to blame")
    if not history.is_ancestor(repo, good, head):
        return CulpritSearch(good, None, f"--good {good[:12]} is not an ancestor of HEAD "
                             "(history rewritten, or another branch): no range to search")
    commits = history.commits(repo, good, head)
    first: tuple[tuple[str, Step], ...] = ()
    if history.diff(repo, head, None, context=0).strip():  # the failing tree is not HEAD
        first = ((head, probe(Commit(head, "", "HEAD, without the uncommitted changes"))),)
        if first[0][1] is not Step.BAD:
            return CulpritSearch(good, None, "the failing tests do not fail at HEAD: the "
                                 "uncommitted changes broke them (or HEAD cannot be tested)",
                                 first)
    verdict = probe(Commit(good, "", "the last green revision"))
    first = (*first, (good, verdict))
    if verdict is not Step.GOOD:
        told = (f"fail at --good {good[:12]} too: the failure is older than it"
                if verdict is Step.BAD else f"could not be run at --good {good[:12]} (no "
                "report: it does not build; a failing test missing; or the runs disagreed)")
        return CulpritSearch(good, None, f"the failing tests {told}", first)
    if len(commits) == 1:
        culprit = culprit_of(commits[0], history=history, repo=probe.repo)
        return CulpritSearch(good, culprit, "the only commit after --good", first, commits[:1])
    found = bisect(commits, probe, max_steps=limits.max_steps - len(first),
                   out_of_time=lambda: clock() - started > limits.max_seconds)
    steps = first + found.steps
    if found.first_bad is None:
        return CulpritSearch(good, None, _undecided(found.suspects, found.bounded, limits),
                             steps, found.suspects, bounded=found.bounded)
    culprit = culprit_of(found.first_bad, history=history, repo=probe.repo)
    note = f"bisected {len(commits)} commits, {len(steps)} of them tested"
    return CulpritSearch(good, culprit, note, steps, found.suspects)


def _undecided(suspects: tuple[Commit, ...], bounded: bool, limits: Limits) -> str:
    names = ", ".join(c.short for c in suspects[:10]) + (" ..." if len(suspects) > 10 else "")
    if bounded:
        return (f"the bisection stopped at its limit ({limits.max_steps} steps or "
                f"{limits.max_seconds:g}s) with {len(suspects)} commits left: {names}")
    return (f"the first bad commit is one of {names}: the commits among them that could "
            "not be tested were skipped")


def culprit_of(commit: Commit, *, history: History, repo: Path) -> Culprit:
    diff = history.diff(repo, f"{commit.sha}^", commit.sha)
    lines = changed_lines(history.diff(repo, f"{commit.sha}^", commit.sha, context=0))
    later = history.diff(repo, commit.sha, None, context=0)
    return Culprit(commit, diff, carried(lines, later))
