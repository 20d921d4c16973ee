"""A task made real: its git repository, the checks that it can be scored, the hidden check."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from connectors.git_scratch import apply_patch, create_repository

from bot.core.ports import SandboxRunner
from bot.core.results import RunOutcome, RunSpec, Termination, TestReport
from bot.evaluation.results import HIDDEN_FAIL, PATCH_DID_NOT_APPLY, VISIBLE_PASSES
from bot.evaluation.tasks import EvalTask
from bot.stages.reproduce.testrun import read_run, suite_argv


@dataclass(frozen=True)
class TestsRun:
    """One sandbox run of some tests and what they reported."""

    __test__ = False

    outcome: RunOutcome
    report: TestReport | None

    @property
    def passed(self) -> bool:
        return (
            self.outcome.termination is Termination.EXITED
            and self.report is not None
            and bool(self.report.cases)
            and not self.report.failures
        )

    @property
    def failing(self) -> bool:
        """Something failed or the run never finished (a hang counts: it is a real failure)."""
        if self.outcome.termination is not Termination.EXITED or self.report is None:
            return True
        return bool(self.report.failures)


@dataclass(frozen=True)
class TaskRepo:
    task: EvalTask
    repo: Path
    runner: SandboxRunner
    command: tuple[str, ...]
    timeout_s: float

    def run_tests(
        self, tests: Sequence[str], *, overlay: Mapping[str, str] | None = None,
        source: Path | None = None,
    ) -> TestsRun:
        spec = RunSpec(
            source=source or self.repo,
            argv=suite_argv(self.command, node_ids=tests),
            overlay=dict(overlay or {}),
            timeout_s=self.timeout_s,
        )
        outcome = self.runner.run(spec)
        return TestsRun(outcome, read_run(outcome, label=f"{self.task.task_id} tests"))


def materialize(task: EvalTask, directory: Path) -> Path:
    """A fresh git repository for `task` at `directory`/repo (an older one is replaced)."""
    repo = directory / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    if task.base_tree is not None:
        shutil.copytree(task.base_tree, repo, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", "__pycache__"))
    # A task from a real project says where it was cloned from, as a CI checkout does: its
    # bugs then share one index across commits, as they would in the product.
    create_repository(repo, task.files, message=f"{task.task_id}: the buggy version",
                      origin=task.metadata.get("origin", ""))
    return repo


@dataclass(frozen=True)
class Qualification:
    excluded: str  # "" when the task can be scored
    failing: TestsRun | None = None  # the visible tests on the buggy code


def qualify(bench: TaskRepo) -> Qualification:
    """Visible tests fail on the buggy code; visible and hidden tests pass on the reference."""
    task = bench.task
    if task.excluded:
        return Qualification(task.excluded)
    failing = bench.run_tests(task.visible_tests)
    if not failing.failing:
        return Qualification(VISIBLE_PASSES, failing)
    if not bench.run_tests(task.visible_tests, overlay=task.reference).passed:
        return Qualification("visible tests fail on the reference code", failing)
    hidden = {**task.reference, **task.hidden_files}
    if not bench.run_tests(task.hidden_tests, overlay=hidden).passed:
        return Qualification("hidden tests fail on the reference code", failing)
    return Qualification("", failing)


@dataclass(frozen=True)
class HiddenResult:
    passed: bool
    problem: str  # "" when passed
    output: str
    seconds: float


def hidden_check(bench: TaskRepo, patch: str, *, scratch: Path) -> HiddenResult:
    """Apply `patch` with git to a copy of the repository, then run the hidden tests on it."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(bench.repo, scratch, symlinks=True)
    problem = apply_patch(scratch, patch)
    if problem is not None:
        return HiddenResult(False, PATCH_DID_NOT_APPLY, problem, 0.0)
    run = bench.run_tests(bench.task.hidden_tests, overlay=bench.task.hidden_files,
                          source=scratch)
    shutil.rmtree(scratch)
    if run.passed:
        return HiddenResult(True, "", run.outcome.output[-2000:], run.outcome.seconds)
    problem = HIDDEN_FAIL
    if run.outcome.termination is not Termination.EXITED:
        problem = f"{HIDDEN_FAIL} ({run.outcome.termination})"
    return HiddenResult(False, problem, run.outcome.output[-4000:], run.outcome.seconds)
