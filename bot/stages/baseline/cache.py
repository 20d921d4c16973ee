"""Baseline results (which tests pass on the original tree), cached per tree state."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from bot.core.sourcefiles import SKIPPED_DIRS


def tree_fingerprint(repo: Path) -> str:
    """A hash of every file's path and content: the same tree gives the same key."""
    digest = hashlib.sha256()
    for directory, subdirs, files in os.walk(repo):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(directory, name)
            if path.is_symlink():
                digest.update(f"{path.relative_to(repo)}->{os.readlink(path)}".encode())
                continue
            digest.update(path.relative_to(repo).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class BaselineCache:
    """Report XML per (tree, command, sandbox); a miss returns None."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, fingerprint: str, argv: Sequence[str], sandbox: str) -> Path | None:
        if self.directory is None:
            return None
        key = hashlib.sha256("\0".join([fingerprint, sandbox, *argv]).encode()).hexdigest()
        return self.directory / f"{key[:32]}.xml"

    def load(self, fingerprint: str, argv: Sequence[str], sandbox: str) -> bytes | None:
        path = self._path(fingerprint, argv, sandbox)
        return path.read_bytes() if path and path.is_file() else None

    def store(self, fingerprint: str, argv: Sequence[str], sandbox: str, xml: bytes) -> None:
        path = self._path(fingerprint, argv, sandbox)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(xml)
        partial.replace(path)
