"""The FixRequest every entry point hands to `run_fix`: the repository, its settings, and
how to install and test it (the settings' `setup`, else what the project's files say)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.core.config import Settings
from bot.core.project_detect import detect_project
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
        settings=settings,
        reports=tuple(reports),
        hint=hint,
        secrets=tuple(secrets),
        setup=tuple(setup),
        dependency_files=tuple(detected.dependency_files),
        good=good,
    )
