"""Which files of a repository are indexed, and how each is cut into chunks."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.chunks import Chunk, chunk_python, language_of, whole_file_chunk
from bot.core.sourcefiles import SKIPPED_DIRS, is_test_path
from bot.stages.localize.knowledge.syntax_trees import chunk_with_tree_sitter

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1 << 20  # bigger files are generated or vendored, not worth indexing
_EXTRA_SKIPPED = frozenset({"vendor", "third_party", ".eggs", "coverage", ".next", "target"})


@dataclass(frozen=True)
class SourceFile:
    path: str  # repository-relative, with forward slashes
    text: str
    language: str

    @property
    def sha(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8", errors="replace")).hexdigest()

    @property
    def is_test(self) -> bool:
        return is_test_path(self.path)


def source_files(repo: Path) -> Iterator[SourceFile]:
    """Every indexable source file under `repo`, in a stable order."""
    for directory, subdirs, names in os.walk(repo):
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d not in SKIPPED_DIRS and d not in _EXTRA_SKIPPED and not d.startswith(".")
        )
        for name in sorted(names):
            full = Path(directory, name)
            path = full.relative_to(repo).as_posix()
            language = language_of(path)
            if language is None or name.endswith((".min.js", ".d.ts")):
                continue
            text = _read_text(full)
            if text is not None:
                yield SourceFile(path, text, language)


def _read_text(path: Path) -> str | None:
    try:
        if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError as exc:
        log.info("skipping %s: %s", path, exc)
        return None
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def chunk_file(source: SourceFile) -> list[Chunk]:
    """Chunks of one file; a file that cannot be parsed becomes one chunk."""
    if not source.text.strip():
        return []
    if source.language == "python":
        chunks = chunk_python(source.path, source.text)
        if chunks is None:
            log.info("%s does not parse as Python: indexed as one chunk", source.path)
            return [whole_file_chunk(source.path, source.text, language="python")]
        return chunks
    return chunk_with_tree_sitter(source.path, source.text, language=source.language)
