"""One repository's knowledge: its indexed snapshots and embedding search over them."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from bot.knowledge.files import source_files
from bot.knowledge.indexing import KEEP_SNAPSHOTS, Snapshot, files_key, index_files
from bot.knowledge.ports import ChunkStore, Embedder

SNAPSHOT_CACHE = 4


class RepositoryKnowledge:
    """Indexes a repository on demand (incrementally) and answers embedding queries.

    Snapshots are cached in memory by tree key, so repeated queries on an
    unchanged tree only re-read and hash its files.
    """

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        *,
        commit: str = "",
        keep: int = KEEP_SNAPSHOTS,
        location: str = "",
    ) -> None:
        self.store = store
        self.location = location  # where the index lives, for the outcome record
        self.embedder = embedder
        self.commit = commit
        self.keep = keep
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()

    def snapshot(self, repo: Path) -> Snapshot:
        started = time.monotonic()
        files = list(source_files(repo))
        key = files_key(files)
        if key in self._snapshots:
            self._snapshots.move_to_end(key)
            return self._snapshots[key]
        snapshot = index_files(
            files,
            store=self.store,
            embedder=self.embedder,
            commit=self.commit,
            keep=self.keep,
            started=started,
        )
        self._snapshots[key] = snapshot
        while len(self._snapshots) > SNAPSHOT_CACHE:
            self._snapshots.popitem(last=False)
        return snapshot

    def nearest(self, query: str, *, among: Sequence[str], limit: int) -> list[tuple[str, float]]:
        """(chunk id, similarity) of the chunks among `among` nearest to `query`."""
        if not among or not query.strip():
            return []
        vector = self.embedder.embed([query])
        return self.store.nearest(vector, among=among, limit=limit)
