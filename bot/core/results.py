"""What a test run says: test cases and reports, the spans a failure points at, runs in a
sandbox, and the verdicts drawn from them. Frozen values, like all of bot.core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def is_failing(self) -> bool:
        return self in (Outcome.FAILED, Outcome.ERROR)


@dataclass(frozen=True)
class TestCase:
    """One test case as a report or a run recorded it."""

    __test__ = False

    classname: str
    name: str
    outcome: Outcome
    file: str | None = None
    line: int | None = None
    message: str = ""
    traceback: str = ""
    stdout: str = ""
    stderr: str = ""
    seconds: float | None = None
    signature: str = ""

    @property
    def key(self) -> str:
        """Identity of the test across runs (not of its failure)."""
        return f"{self.classname}::{self.name}" if self.classname else self.name

    @property
    def kind(self) -> str:
        """`failure` or `error` for failing cases, else the outcome itself."""
        return "failure" if self.outcome is Outcome.FAILED else str(self.outcome)


@dataclass(frozen=True)
class TestReport:
    """All cases of one report (or one run), in document order."""

    __test__ = False

    source: str
    cases: tuple[TestCase, ...]

    @property
    def failures(self) -> tuple[TestCase, ...]:
        return tuple(case for case in self.cases if case.outcome.is_failing)

    def outcome_of(self, key: str) -> Outcome | None:
        """The test's outcome; when it was recorded more than once (reruns), a failing
        record wins, so a test never counts as passing on the strength of a retry."""
        found: Outcome | None = None
        for case in self.cases:
            if case.key == key:
                if case.outcome.is_failing:
                    return case.outcome
                found = found or case.outcome
        return found


@dataclass(frozen=True)
class Frame:
    """One traceback frame: where the interpreter was when the test failed."""

    path: str
    line: int
    function: str = ""


@dataclass(frozen=True)
class CodeSpan:
    """A region of a repository file shown to the model, with why it was chosen."""

    path: str
    start: int
    end: int
    text: str
    score: float
    why: tuple[str, ...] = ()
    symbol: str = ""


class Termination(StrEnum):
    EXITED = "exited"
    TIMEOUT = "timeout"
    MEMORY = "memory-limit"
    PIDS = "pids-limit"
    OUTPUT = "output-limit"


@dataclass(frozen=True)
class RunSpec:
    """A command to run in a sandbox over a copy of `source` with `overlay` applied.

    The runner never modifies `source`. `{report}` in `argv` is replaced by the
    path (inside the sandbox) where the command should write its JUnit report.
    """

    source: Path
    argv: tuple[str, ...]
    overlay: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 300.0
    env: Mapping[str, str] = field(default_factory=dict)
    setup: tuple[str, ...] = ()  # shell commands that install dependencies (cached)
    dependency_files: tuple[str, ...] = ()  # repo-relative files whose content keys that cache


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int | None
    output: str
    report_xml: bytes | None
    seconds: float
    sandbox: str
    termination: Termination = Termination.EXITED


class Reproduction(StrEnum):
    CONFIRMED = "confirmed"
    FLAKY = "flaky"
    NOT_REPRODUCIBLE = "not-reproducible"


@dataclass(frozen=True)
class TestVerdict:
    """One test before and after a candidate."""

    __test__ = False

    key: str
    before: Outcome | None
    after: Outcome | None

    @property
    def regressed(self) -> bool:
        return self.before is Outcome.PASSED and self.after is not Outcome.PASSED


@dataclass(frozen=True)
class ValidationResult:
    targets_pass: bool
    verdicts: tuple[TestVerdict, ...]
    output: str
    seconds: float
    sandbox: str
    termination: Termination = Termination.EXITED

    @property
    def regressions(self) -> tuple[TestVerdict, ...]:
        return tuple(v for v in self.verdicts if v.regressed)

    @property
    def passed(self) -> bool:
        return self.targets_pass and not self.regressions
