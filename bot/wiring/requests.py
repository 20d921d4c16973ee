"""The FixRequest every entry point hands to `run_fix`: the repository, its settings, and
how to install and test it (the settings' `setup` and `test_command`, else what the
project's files say: `npm ci` and Jest for a JavaScript project)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.core.config import Settings
from bot.core.languages.registry import detect_project
from bot.core.project_detect import DetectedProject
from bot.core.results import TestReport
from bot.pipeline import FixRequest


def fix_request(
    repo: Path,
    settings: Settings,
    *,
    reports: Sequence[TestReport] = (),
    secrets: Sequence[str] = (),
    hint: str = "",
    good: str = "",
) -> FixRequest:
    """`good`: the last green revision, resolved to a commit id (see `resolve_good`)."""
    detected = detect_project(repo)
    setup = settings.setup if settings.setup is not None else detected.setup
    return FixRequest(
        repo=repo,
        settings=with_detected_test_command(settings, detected),
        reports=tuple(reports),
        hint=hint,
        secrets=tuple(secrets),
        setup=tuple(setup),
        dependency_files=tuple(detected.dependency_files),
        good=good,
    )


def with_detected_test_command(settings: Settings, detected: DetectedProject) -> Settings:
    """`settings` running the detected test command when no option, variable or
    .github/redfix.yml chose one (pytest, the default, is what Python detects too)."""
    if "test_command" in settings.sources:
        return settings
    return replace(settings, test_command=detected.test_command)
