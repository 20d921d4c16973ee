"""What redfix knows about one programming language: the `Language` port.

One implementation per language lives in `bot.core.languages`, and the registry there
picks one for a repository, a test command, a file or a fence tag. Everything here is
pure logic over text and the repository's files; nothing is run.

Stack-trace frames are not a language's business: `stages/ingest/tracebacks.py` reads
Python, V8, Go and Java frames from any report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.core.project_detect import DetectedProject
from bot.core.results import TestCase


@dataclass(frozen=True)
class WeakeningMarkers:
    """Text rules for test files a parser cannot read: a change weakens the tests when it
    adds a skip or focus `marker` (`it.skip(`, `xit(`, `.only(`), or when fewer
    `assertion`s are left (`expect(`)."""

    markers: tuple[tuple[re.Pattern[str], str], ...]  # (pattern, what it does)
    assertion: re.Pattern[str]
    assertion_name: str


class Language(Protocol):
    """A language redfix can fix: how to find its projects, run and select its tests,
    tell its test files, and check that a fix left its tests as strong as they were."""

    @property
    def name(self) -> str: ...  # as a fence tag and in prompts: "python", "javascript"

    @property
    def fence_tags(self) -> frozenset[str]: ...  # every tag a model writes for it

    @property
    def extensions(self) -> tuple[str, ...]: ...  # ".py"; ".js", ".ts", ...

    @property
    def weakening(self) -> WeakeningMarkers | None: ...  # None: policy reads it with a parser

    def detects(self, repo: Path) -> str | None:
        """The evidence that `repo` is a project of this language, or None."""

    def project(self, repo: Path) -> DetectedProject:
        """How to install `repo` and run its tests with a JUnit report at `{report}`."""

    def runs(self, command: Sequence[str]) -> bool:
        """Whether `command` is this language's test runner, whose argv it knows."""

    def select(
        self, command: Sequence[str], node_ids: Sequence[str], *, deselect: Sequence[str],
        hang_after_s: int | None,
    ) -> tuple[str, ...]:
        """`command` running only `node_ids` (all tests when empty) with a JUnit report."""

    def node_id(self, case: TestCase, repo: Path) -> str | None:
        """The id `select` takes for a reported case; None when its file is not found."""

    def is_test_path(self, rel: str) -> bool:
        """Whether `rel` is a test file by this language's conventions."""
