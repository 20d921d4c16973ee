"""The data that flows between pipeline stages.

Every type here is frozen: a stage takes values and returns new values. Expected
outcomes ("still failing", "flaky", "edit did not apply") are values, never
exceptions; exceptions are for broken infrastructure and bad input (bot.core.errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.history import CulpritSearch
from bot.core.results import Reproduction, TestCase, ValidationResult


class EditKind(StrEnum):
    SEARCH_REPLACE = "search_replace"
    DIFF = "diff"
    WHOLE_FUNCTION = "whole_function"


@dataclass(frozen=True)
class FileEdit:
    """One edit the model asked for, not yet applied.

    SEARCH_REPLACE: `search` is replaced by `replace`.
    DIFF: `search`/`replace` hold the old and new side of one hunk, `hint_line`
    the line its header claimed (often wrong with small models).
    WHOLE_FUNCTION: `replace` is a complete new definition of `symbol`.
    """

    path: str
    kind: EditKind
    search: str = ""
    replace: str = ""
    symbol: str = ""
    hint_line: int | None = None


@dataclass(frozen=True)
class EditFailure:
    """An edit that could not be applied, with what to tell the model."""

    path: str
    reason: str
    unmatched: str = ""


@dataclass(frozen=True)
class ApplyResult:
    """New contents of every file touched, and the edits that did not apply."""

    files: Mapping[str, str]
    failures: tuple[EditFailure, ...] = ()

    @property
    def applied(self) -> bool:
        return bool(self.files) and not self.failures


@dataclass(frozen=True)
class PolicyVerdict:
    violations: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class GenerationOptions:
    temperature: float = 0.0
    max_tokens: int = 1024
    seed: int | None = 0
    timeout_s: float = 600.0
    context_tokens: int | None = None  # None: derive from the prompt size


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cut: bool = False  # the server stopped at max_tokens: the answer is incomplete


@dataclass(frozen=True)
class FixCandidate:
    edits: tuple[FileEdit, ...]
    rationale: str
    completion: Completion
    parse_problems: tuple[str, ...] = ()
    # The files its prompt showed: an edit that names no file is for one of these, even
    # when files the prompt did not show define the same names.
    shown: tuple[str, ...] = ()


class AttemptStatus(StrEnum):
    VALIDATED = "validated"
    NO_EDITS = "no-edits"
    EDIT_DID_NOT_APPLY = "edit-did-not-apply"
    POLICY_REJECTED = "policy-rejected"
    GUTTED = "gutted"  # it cuts most of a long function: sent back before any test runs
    UNREACHED = "unreached"  # it changes only code the failing tests never run: sent back
    TESTS_STILL_FAIL = "tests-still-fail"
    REGRESSION = "regression"
    TIMEOUT = "timeout"
    PROMPT_TOO_LONG = "prompt-too-long"  # no prompt of this kind fitted the model's window


@dataclass(frozen=True)
class Attempt:
    number: int
    status: AttemptStatus
    detail: str
    diff: str = ""
    candidate: FixCandidate | None = None
    validation: ValidationResult | None = None
    round: int = 1
    files: Mapping[str, str] = field(default_factory=dict)  # patched contents, when applied


@dataclass(frozen=True)
class RegressionTest:
    """A generated regression test and whether it passed the gates (`reason` if not)."""

    path: str
    name: str
    source: str
    kept: bool
    reason: str = ""


@dataclass(frozen=True)
class ChangeCoverage:
    """Changed lines of source (not test) files that coverage.py counts as executable."""

    executable: int
    before: int  # executed by the repository's tests
    after: int  # executed by them or by the regression test
    files: tuple[str, ...] = ()

    def text(self) -> str:
        if not self.executable:
            return "the change has no executable lines in source files"
        return (
            f"{self.before} of {self.executable} changed line(s) run by the existing tests "
            f"({_share(self.before, self.executable)}), {self.after} of {self.executable} "
            f"with the regression test ({_share(self.after, self.executable)})"
        )


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %"


class FixStatus(StrEnum):
    FIXED = "fixed"
    NOT_FIXED = "not-fixed"
    FLAKY = "flaky"
    NOT_REPRODUCIBLE = "not-reproducible"
    NOTHING_FAILS = "nothing-fails"
    LOW_CONFIDENCE = "low-confidence"
    UNCONFIRMED = "unconfirmed"  # a candidate passed, but nothing backs it: not published
    CAPPED = "capped"  # the repository's caps say not to try these failures again yet


@dataclass(frozen=True)
class LocalizerMethod:
    """How a localization was made, for the outcome record: which localizer, which signals
    ranked something, and the index it searched (empty when none)."""

    name: str
    signals: tuple[str, ...] = ()
    index: str = ""
    chunks: int = 0


@dataclass(frozen=True)
class FixOutcome:
    status: FixStatus
    failures: tuple[TestCase, ...]
    attempts: tuple[Attempt, ...] = ()
    patch: str = ""
    explanation: str = ""
    reproduction: Mapping[str, Reproduction] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)
    sandbox: str = ""
    model: str = ""
    regression_tests: tuple[RegressionTest, ...] = ()
    change_coverage: ChangeCoverage | None = None
    localizer: LocalizerMethod | None = None  # None: the run ended before localization
    chosen: Attempt | None = None  # the validated attempt whose change `patch` carries
    suspects: tuple[str, ...] = ()  # the files localization ranked first, best first
    culprit: CulpritSearch | None = None  # None: no history to search (not a git checkout)
    revert: bool = False  # `patch` reverts the culprit: no candidate fix validated


@dataclass(frozen=True)
class WorkedExample:
    """An accepted fix of a similar failure, from fix memory, shown to the model."""

    failure: str  # the failing test and its message, as it was
    diff: str
    rationale: str = ""
    similarity: float = 0.0
    score: float = 0.0
    hint: str = ""  # what a person told redfix when this fix was made


@dataclass(frozen=True)
class Lessons:
    """What redfix learned from reviewers that bears on this failure."""

    examples: tuple[WorkedExample, ...] = ()
    avoid: tuple[str, ...] = ()  # reasons reviewers gave for rejecting similar fixes

    def __bool__(self) -> bool:
        return bool(self.examples or self.avoid)
