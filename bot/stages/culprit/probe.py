"""One bisect step: the failing tests at one commit, run in the sandbox over that commit's
tree, as often as reproduce runs them, and what they did there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.core.history import Commit, Step
from bot.core.ports import History, Progress
from bot.core.results import Outcome, TestReport
from bot.stages.reproduce.suite import Suite


def step_of(keys: Sequence[str], runs: Sequence[TestReport | None]) -> Step:
    """Bad when one test failed on every run; good when all passed on every run; else the
    commit cannot tell (no report: it did not build; a test missing; runs disagreed)."""
    if not runs or any(run is None for run in runs):
        return Step.SKIP
    reports = [run for run in runs if run is not None]
    outcomes = {key: [report.outcome_of(key) for report in reports] for key in keys}
    if any(all(o is not None and o.is_failing for o in seen) for seen in outcomes.values()):
        return Step.BAD
    if all(o is Outcome.PASSED for seen in outcomes.values() for o in seen):
        return Step.GOOD
    return Step.SKIP


class CommitProbe:
    """Runs the failing tests (`node_ids`, reported as `keys`) at a commit of `repo`."""

    def __init__(
        self,
        *,
        history: History,
        suite: Suite,
        node_ids: Sequence[str],
        keys: Sequence[str],
        reruns: int,
        progress: Progress,
    ) -> None:
        self.history, self.suite, self.progress = history, suite, progress
        self.node_ids, self.keys, self.reruns = tuple(node_ids), tuple(keys), max(1, reruns)

    @property
    def repo(self) -> Path:
        return self.suite.repo

    def __call__(self, commit: Commit) -> Step:
        self.progress.stage(f"culprit: testing {commit.text()}")
        with self.history.checkout(self.repo, commit.sha) as tree:
            suite = replace(self.suite, repo=tree, history=[], hung=set())
            runs = []
            for _ in range(self.reruns):
                run = suite.run(self.node_ids).report
                runs.append(run)
                if run is None:
                    break  # it did not build or run: no second try
        step = step_of(self.keys, runs)
        self.progress.stage(f"culprit: {commit.short} is {step}")
        return step
