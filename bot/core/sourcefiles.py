"""Reading a repository's source files safely: inside the tree, text only, bounded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from bot.core.errors import UnsafePathError
from bot.core.paths import is_test_path, resolve_repo_path

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        ".redfix",
        "site-packages",
    }
)
MAX_SOURCE_BYTES = 1 << 20

__all__ = ["is_test_path", "python_files", "read_source"]


def python_files(repo: Path) -> Iterator[str]:
    """Repository-relative paths of Python files, in a stable order."""
    for directory, subdirs, files in os.walk(repo):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(directory, name).relative_to(repo).as_posix()


def read_source(repo: Path, path: str) -> str | None:
    """The text of a repository file, or None if missing, outside, binary or huge."""
    try:
        target = resolve_repo_path(repo, path)
    except UnsafePathError:
        return None
    if not target.is_file() or target.stat().st_size > MAX_SOURCE_BYTES:
        return None
    data = target.read_bytes()
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")
