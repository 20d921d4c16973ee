"""Incremental indexing of one repository state into a chunk store.

Files whose content hash matches the newest manifest reuse its chunk entries
without parsing; only chunks the store does not hold are embedded. The new
manifest is saved under the tree's key, then old manifests beyond `keep` and
the chunks no kept manifest names are deleted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.chunks import Chunk
from bot.core.knowledge_ports import ChunkStore, Embedder
from bot.core.manifest import ChunkEntry, FileEntry, Manifest, snapshot_key
from bot.core.sourcefiles import is_test_path
from bot.stages.localize.knowledge.embedding import embedding_text
from bot.stages.localize.knowledge.files import SourceFile, chunk_file, source_files

EMBED_BATCH = 64
KEEP_SNAPSHOTS = 20


@dataclass(frozen=True)
class IndexStats:
    repository: str
    snapshot: str
    commit: str
    files: int
    chunks: int
    parsed_files: int  # files cut anew (the rest reused the previous manifest)
    embedded: int  # chunks embedded in this run
    pruned: int  # chunk records deleted because no kept snapshot names them
    seconds: float


@dataclass(frozen=True)
class Snapshot:
    """One indexed repository state: its manifest and its chunks with their text."""

    manifest: Manifest
    chunks: tuple[Chunk, ...]
    stats: IndexStats


def _reuse(source: SourceFile, entry: FileEntry) -> list[Chunk]:
    lines = source.text.split("\n")
    return [
        Chunk(
            source.path,
            c.symbol,
            c.kind,
            c.start,
            c.end,
            "\n".join(lines[c.start - 1 : c.end]),
            source.language,
        )
        for c in entry.chunks
    ]


def _file_entry(source: SourceFile, chunks: Sequence[Chunk]) -> FileEntry:
    entries = tuple(ChunkEntry(c.chunk_id, c.symbol, c.kind, c.start, c.end) for c in chunks)
    return FileEntry(source.path, source.sha, source.language, entries)


def _chunk_all(
    files: Sequence[SourceFile], base: Manifest | None
) -> tuple[dict[str, FileEntry], list[Chunk], int]:
    entries: dict[str, FileEntry] = {}
    chunks: list[Chunk] = []
    parsed = 0
    for source in files:
        previous = base.files.get(source.path) if base else None
        if previous is not None and previous.sha == source.sha:
            file_chunks, entries[source.path] = _reuse(source, previous), previous
        else:
            file_chunks = chunk_file(source)
            entries[source.path] = _file_entry(source, file_chunks)
            parsed += 1
        chunks.extend(file_chunks)
    return entries, chunks, parsed


def embed_missing(chunks: Sequence[Chunk], *, store: ChunkStore, embedder: Embedder) -> int:
    """Embed and store the searchable chunks the store lacks; returns how many.

    Test code is listed in manifests but not embedded: localization ranks only
    the code under test, and skipping tests saves a third of the indexing time.
    """
    unique = {chunk.chunk_id: chunk for chunk in chunks if not is_test_path(chunk.path)}
    missing = store.missing(list(unique))
    todo = [unique[chunk_id] for chunk_id in unique if chunk_id in missing]
    # Similar lengths in a batch waste less padding.
    todo.sort(key=lambda chunk: len(chunk.text))
    for first in range(0, len(todo), EMBED_BATCH):
        batch = todo[first : first + EMBED_BATCH]
        store.add(batch, embedder.embed([embedding_text(chunk) for chunk in batch]))
    return len(todo)


def index_repository(
    repo: Path,
    *,
    store: ChunkStore,
    embedder: Embedder,
    commit: str = "",
    keep: int = KEEP_SNAPSHOTS,
    clock: Callable[[], float] = time.monotonic,
) -> Snapshot:
    """Index the files under `repo` as they are now (see the module docstring)."""
    started = clock()
    files = list(source_files(repo))
    return index_files(
        files,
        store=store,
        embedder=embedder,
        commit=commit,
        keep=keep,
        started=started,
        clock=clock,
    )


def files_key(files: Sequence[SourceFile]) -> str:
    return snapshot_key((source.path, source.sha) for source in files)


def index_files(
    files: Sequence[SourceFile],
    *,
    store: ChunkStore,
    embedder: Embedder,
    commit: str,
    keep: int,
    started: float,
    clock: Callable[[], float] = time.monotonic,
    embed: bool = True,
) -> Snapshot:
    key = files_key(files)
    existing = store.load_manifest(key)
    entries, chunks, parsed = _chunk_all(files, existing or store.latest_manifest())
    embedded = embed_missing(chunks, store=store, embedder=embedder) if embed else 0
    if existing is not None and commit in ("", existing.commit):
        manifest, pruned = existing, 0  # this exact tree is indexed already
    else:
        manifest = Manifest(key, commit, time.time(), entries)
        store.save_manifest(manifest)
        pruned = store.prune(keep=keep)
    stats = IndexStats(
        store.repository,
        key,
        manifest.commit,
        len(files),
        len(chunks),
        parsed,
        embedded,
        pruned,
        clock() - started,
    )
    return Snapshot(manifest, tuple(chunks), stats)
