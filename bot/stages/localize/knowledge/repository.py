"""One repository's knowledge: its indexed snapshots and embedding search over them.

With `embed_on_demand`, a snapshot only cuts and records the files; a chunk is embedded
the first time a search is asked among it. A first localization of a large repository
then embeds the few hundred chunks the failure's other evidence points at, not all of
them (`redfix index` still embeds everything, ahead of time).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from bot.core.chunks import Chunk
from bot.core.knowledge_ports import ChunkStore, Embedder
from bot.stages.localize.knowledge.files import source_files
from bot.stages.localize.knowledge.indexing import (
    KEEP_SNAPSHOTS,
    Snapshot,
    embed_missing,
    files_key,
    index_files,
)

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
        embed_on_demand: bool = False,
    ) -> None:
        self.store = store
        self.location = location  # where the index lives, for the outcome record
        self.embedder = embedder
        self.commit = commit
        self.keep = keep
        self.embed_on_demand = embed_on_demand
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
            embed=not self.embed_on_demand,
        )
        self._snapshots[key] = snapshot
        while len(self._snapshots) > SNAPSHOT_CACHE:
            self._snapshots.popitem(last=False)
        return snapshot

    def nearest(
        self, query: str, *, among: Sequence[Chunk], limit: int
    ) -> list[tuple[str, float]]:
        """(chunk id, similarity) of the chunks among `among` nearest to `query`; those not
        embedded yet are embedded first."""
        if not among or not query.strip():
            return []
        embed_missing(among, store=self.store, embedder=self.embedder)
        vector = self.embedder.embed([query])
        ids = list(dict.fromkeys(chunk.chunk_id for chunk in among))
        return self.store.nearest(vector, among=ids, limit=limit)
