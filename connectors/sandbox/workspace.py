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


def _ignore(_directory: str, names: list[str]) -> set[str]:
    return {name for name in names if name in IGNORED_DIRS}


def copy_repository(source: Path, destination: Path) -> None:
    """Copy the working tree (not its VCS data or caches); symlinks are copied as links."""
    shutil.copytree(source, destination, symlinks=True, ignore=_ignore, dirs_exist_ok=True)


def write_overlay(root: Path, overlay: Mapping[str, str]) -> None:
    """Write patched files over a copy, refusing any path that leaves it."""
    for relative, text in overlay.items():
        target = resolve_repo_path(root, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_text(text, encoding="utf-8")
