"""Copies of a repository that a sandbox may change freely."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from bot.core.paths import resolve_repo_path

IGNORED_DIRS = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".redfix",
    }
)


# Installed dependencies: what a sandbox on this host runs the tests with, where a
# container installs its own (`npm ci` in its setup) for its own platform.
HOST_DEPENDENCY_DIRS = frozenset({"node_modules"})


def copy_repository(source: Path, destination: Path, *, keep_dependencies: bool = False) -> None:
    """Copy the working tree (not its VCS data or caches); symlinks are copied as links.

    `keep_dependencies` keeps installed dependencies (`node_modules`) in the copy, for a
    sandbox that runs the tests on this host with what the repository has installed.
    """
    ignored = IGNORED_DIRS - HOST_DEPENDENCY_DIRS if keep_dependencies else IGNORED_DIRS

    def ignore(_directory: str, names: list[str]) -> set[str]:
        return {name for name in names if name in ignored}

    shutil.copytree(source, destination, symlinks=True, ignore=ignore, dirs_exist_ok=True)


def write_overlay(root: Path, overlay: Mapping[str, str]) -> None:
    """Write patched files over a copy, refusing any path that leaves it."""
    for relative, text in overlay.items():
        target = resolve_repo_path(root, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_text(text, encoding="utf-8")
