"""Running a repository's tests through a sandbox and reading what they reported."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.errors import UsageError
from bot.core.ports import SandboxRunner
from bot.core.results import RunOutcome, RunSpec, Termination, TestCase, TestReport
from bot.stages.reproduce.hangs import find_hang, hang_after_s
from bot.stages.reproduce.testrun import is_pytest, node_id, read_run, suite_argv

MAX_HUNG_TESTS = 3  # past this, the suite is stopped by hangs more than it runs


@dataclass(frozen=True)
class SuiteRun:
    outcome: RunOutcome
    report: TestReport | None


@dataclass
class Suite:
    """The repository's test command, bound to one sandbox."""

    runner: SandboxRunner
    repo: Path
    command: tuple[str, ...]
    timeout_s: float
    setup: tuple[str, ...] = ()
    dependency_files: tuple[str, ...] = ()
    history: list[tuple[str, ...]] = field(default_factory=list)
    hung: set[str] = field(default_factory=set)  # node ids a stack dump named as never ending

    def argv(
        self, node_ids: Sequence[str] = (), *, deselect: Sequence[str] = ()
    ) -> tuple[str, ...]:
        return suite_argv(
            self.command,
            node_ids=node_ids,
            deselect=deselect,
            hang_after_s=hang_after_s(self.timeout_s),
        )

    def run(
        self,
        node_ids: Sequence[str] = (),
        *,
        overlay: Mapping[str, str] | None = None,
        deselect: Sequence[str] = (),
    ) -> SuiteRun:
        argv = self.argv(node_ids, deselect=deselect)
        self.history.append(argv)
        spec = RunSpec(
            source=self.repo,
            argv=argv,
            overlay=dict(overlay or {}),
            timeout_s=self._limit(node_ids),
            setup=self.setup,
            dependency_files=self.dependency_files,
        )
        outcome = self.runner.run(spec)
        return SuiteRun(outcome, read_run(outcome, label=f"{self.runner.kind} run"))

    def complete_report(self, run: SuiteRun) -> TestReport:
        """The report of a whole-suite run that must have one (discovery, baseline).

        A run stopped by a test that never ends is run again without that test, which
        joins the report as failing, with where it was stuck.
        """
        hung: dict[str, TestCase] = {}  # by node id
        while run.report is None and len(hung) < MAX_HUNG_TESTS:
            case = self._hung_test(run)
            identifier = node_id(case, self.repo) if case is not None else None
            if case is None or identifier is None or identifier in hung:
                break
            hung[identifier] = case
            run = self.run(deselect=list(hung))
        report = self.require_report(run)
        self.hung.update(hung)
        return replace(report, cases=(*report.cases, *hung.values()))

    def _limit(self, node_ids: Sequence[str]) -> float:
        """A selection with a test that hung before ends at twice the time pytest dumped
        its stacks, not at the whole suite's limit: a rerun of a hang ends sooner."""
        if self.hung.intersection(node_ids):
            return min(self.timeout_s, 2 * hang_after_s(self.timeout_s))
        return self.timeout_s

    def _hung_test(self, run: SuiteRun) -> TestCase | None:
        if run.outcome.termination is not Termination.TIMEOUT or not is_pytest(self.command):
            return None
        return find_hang(run.outcome.output, self.repo, timeout_s=self.timeout_s)

    def require_report(self, run: SuiteRun) -> TestReport:
        """The report of a run that must have one (discovery, baseline)."""
        if run.report is not None:
            return run.report
        command = " ".join(self.command)
        outcome = run.outcome
        if outcome.termination is Termination.TIMEOUT:
            raise UsageError(
                f"`{command}` did not finish within {self.timeout_s:g}s in the {outcome.sandbox} "
                "sandbox (a test that never ends, or a slow suite): raise `timeouts.tests` in "
                ".github/redfix.yml or REDFIX_TEST_TIMEOUT, or pass --report with the failing "
                "run's JUnit report"
            )
        raise UsageError(
            f"`{command}` wrote no JUnit report in the {outcome.sandbox} sandbox "
            f"(exit {outcome.exit_code}, {outcome.termination}); check --test-cmd. "
            f"Last output:\n{outcome.output[-2000:]}"
        )
