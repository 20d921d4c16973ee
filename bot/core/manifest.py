"""Snapshots: which chunks (and where) make up one exact state of a repository.

Chunk records are content-addressed and shared by every snapshot that contains
them, so a change re-embeds only what changed. A manifest lists, per file, the
file's hash and its chunks' ids and lines. Its key is a hash of every indexed
file's path and content: a checkout of an old commit has its own key, so a query
for it never sees code from a newer commit, and a dirty working tree never reads
the clean commit's manifest. The commit id is kept as a label.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.errors import UsageError

FORMAT = 1  # bump when chunking changes: older manifests are then ignored, not reused


@dataclass(frozen=True)
class ChunkEntry:
    chunk_id: str
    symbol: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class FileEntry:
    path: str
    sha: str
    language: str
    chunks: tuple[ChunkEntry, ...]


@dataclass(frozen=True)
class Manifest:
    key: str
    commit: str
    created: float
    files: Mapping[str, FileEntry]

    def chunk_ids(self) -> set[str]:
        return {entry.chunk_id for file in self.files.values() for entry in file.chunks}

    @property
    def chunk_count(self) -> int:
        return sum(len(file.chunks) for file in self.files.values())


def snapshot_key(files: Iterable[tuple[str, str]]) -> str:
    """The key of a tree from its (path, content sha) pairs, in any order."""
    digest = hashlib.sha256()
    for path, sha in sorted(files):
        digest.update(f"{path}\0{sha}\n".encode())
    return digest.hexdigest()[:40]


def manifest_to_json(manifest: Manifest) -> str:
    files = {
        path: [
            entry.sha,
            entry.language,
            [[c.chunk_id, c.symbol, c.kind, c.start, c.end] for c in entry.chunks],
        ]
        for path, entry in sorted(manifest.files.items())
    }
    document = {
        "format": FORMAT,
        "key": manifest.key,
        "commit": manifest.commit,
        "created": manifest.created,
        "files": files,
    }
    return json.dumps(document, separators=(",", ":"))


def manifest_from_json(text: str, *, source: str) -> Manifest | None:
    """The manifest, or None when an older redfix wrote it (its chunks must be redone)."""
    try:
        document = json.loads(text)
        if document.get("format") != FORMAT:
            return None
        files = {
            path: FileEntry(
                path,
                sha,
                language,
                tuple(
                    ChunkEntry(str(i), str(s), str(k), int(a), int(b)) for i, s, k, a, b in chunks
                ),
            )
            for path, (sha, language, chunks) in document["files"].items()
        }
        return Manifest(
            str(document["key"]), str(document["commit"]), float(document["created"]), files
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(
            f"{source}: the index manifest is unreadable ({exc}); run `redfix index` to rebuild it"
        ) from exc
