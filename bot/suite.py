"""Running a repository's tests through a sandbox and reading what they reported."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import UsageError
from bot.models import RunOutcome, RunSpec, Termination, TestReport
from bot.ports import SandboxRunner
from bot.testrun import read_run, suite_argv


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

    def argv(self, node_ids: Sequence[str] = ()) -> tuple[str, ...]:
        return suite_argv(self.command, node_ids=node_ids)

    def run(
        self, node_ids: Sequence[str] = (), *, overlay: Mapping[str, str] | None = None
    ) -> SuiteRun:
        argv = self.argv(node_ids)
        self.history.append(argv)
        spec = RunSpec(
            source=self.repo,
            argv=argv,
            overlay=dict(overlay or {}),
            timeout_s=self.timeout_s,
            setup=self.setup,
            dependency_files=self.dependency_files,
        )
        outcome = self.runner.run(spec)
        return SuiteRun(outcome, read_run(outcome, label=f"{self.runner.kind} run"))

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
