"""The culprit stage as the pipeline runs it: after reproduce has confirmed the failures."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.history import CulpritSearch
from bot.core.ports import History, Progress
from bot.core.results import TestCase
from bot.stages.culprit.probe import CommitProbe
from bot.stages.culprit.search import LIMITS, NO_GOOD, Limits, find_culprit
from bot.stages.reproduce.suite import Suite
from bot.stages.reproduce.testrun import node_id


def search_culprit(
    good: str,
    targets: Sequence[TestCase],
    *,
    suite: Suite,
    history: History,
    reruns: int,
    progress: Progress,
    limits: Limits = LIMITS,
) -> CulpritSearch:
    """The commit after `good` (a resolved id; "" for none) that broke `targets`."""
    if not good:
        return CulpritSearch("", None, NO_GOOD)
    ids = [node_id(case, suite.repo) for case in targets]
    probe = CommitProbe(
        history=history,
        suite=suite,
        node_ids=[i for i in ids if i is not None] if all(ids) else [],
        keys=[case.key for case in targets],
        reruns=reruns,
        progress=progress,
    )
    progress.stage(f"culprit: bisecting the failing tests from --good {good[:12]} to HEAD")
    found = find_culprit(good, probe, history=history, limits=limits)
    progress.stage(f"culprit: {describe_search(found)}")
    return found


def describe_search(search: CulpritSearch) -> str:
    """One line: the culprit and how it was found, or why there is none."""
    if search.culprit is None:
        return f"none found: {search.note}"
    culprit = search.culprit
    files = ", ".join(culprit.lines) or "no file"
    return (f"{culprit.commit.text()} ({search.note}; it changed {culprit.changed_lines} "
            f"line(s) in {files})")
