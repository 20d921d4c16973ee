"""Finding the failing run's JUnit reports by glob, and pointing annotations at the tests."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import ConfigError
from bot.core.results import TestCase
from bot.stages.ingest.tracebacks import frames_in_repo, parse_frames
from bot.stages.reproduce.testrun import source_of_test

MAX_ANNOTATION_LINES = 12


def find_reports(globs: Sequence[str], workspace: Path) -> list[Path]:
    """Files matching `globs` (relative to the workspace unless absolute), in a stable order."""
    found: dict[Path, None] = {}
    for pattern in globs:
        matches = glob.glob(pattern, root_dir=workspace, recursive=True)
        for match in sorted(matches):
            path = (workspace / match).resolve()
            if path.is_file():
                found.setdefault(path, None)
    return list(found)


def required_reports(globs: Sequence[str], workspace: Path) -> list[Path]:
    """The reports the `reports` input names; none at all is the user's mistake to hear about."""
    paths = find_reports(globs, workspace)
    if not paths:
        raise ConfigError(
            f"input reports: no file matches {', '.join(repr(g) for g in globs)} in {workspace}; "
            "give the path your test step writes JUnit XML to (e.g. pytest --junitxml=reports/"
            "junit.xml with reports: reports/*.xml), or leave the input empty to let redfix "
            "run the tests"
        )
    return paths


@dataclass(frozen=True)
class Location:
    path: str | None = None  # workspace-relative, as GitHub wants it
    line: int | None = None


def locate(case: TestCase, workspace: Path) -> Location:
    """Where the failure shows in the repository: the innermost traceback frame inside the
    test's own file (the failing line), else the report's file and line (pytest's points
    at the test's definition, 0-based), else the innermost frame inside the repository,
    else the test's file alone."""
    reported = case.file if case.file and (workspace / case.file).is_file() else None
    test_file = reported or source_of_test(case, workspace)
    frames = frames_in_repo(parse_frames(case.traceback or case.message), workspace)
    in_test = [frame for frame in frames if frame.path == test_file]
    if in_test:
        return Location(in_test[-1].path, in_test[-1].line)
    if reported:
        return Location(reported, case.line)
    if frames:
        return Location(frames[-1].path, frames[-1].line)
    return Location(test_file)


def annotation_text(case: TestCase) -> str:
    text = case.message.strip() or case.traceback.strip() or f"{case.key} {case.kind}"
    lines = text.splitlines()
    if len(lines) > MAX_ANNOTATION_LINES:
        lines = [*lines[:MAX_ANNOTATION_LINES], "..."]
    return "\n".join(lines)
