"""The repository's history as the culprit stage sees it: commits, the one that broke the
failing tests, and how the search for it went. Frozen values, like all of bot.core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:12]

    def text(self) -> str:
        return f"{self.short} \"{self.subject}\" by {self.author}"


class Step(StrEnum):
    """What the failing tests did at one commit of the range."""

    GOOD = "good"  # they passed on every run
    BAD = "bad"  # they failed on every run
    SKIP = "skip"  # it did not build, a test was missing, or the runs disagreed (flaky)


@dataclass(frozen=True)
class Culprit:
    """The first commit at which the failing tests fail: its diff, and the lines it changed
    as they are numbered in the failing tree (by path, source files only)."""

    commit: Commit
    diff: str
    lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def changed_lines(self) -> int:
        return sum(len(lines) for lines in self.lines.values())


@dataclass(frozen=True)
class CulpritSearch:
    """The culprit, or why there is none (`note` says which, in a sentence)."""

    good: str  # the last green revision, as resolved ("" when none was given)
    culprit: Culprit | None
    note: str
    steps: tuple[tuple[str, Step], ...] = ()  # (sha, what the tests did), in test order
    suspects: tuple[Commit, ...] = ()  # when the search ended without one commit
    seconds: float = 0.0
    bounded: bool = False  # it stopped at its step or time limit
