"""`ChromaChunkStore`: one repository's chunks and snapshot manifests in Chroma.

Two collections per (repository, embedding model): `redfix-chunks-<hash>` holds
one record per distinct chunk (id = content key, the chunk's embedding, its text
and metadata); `redfix-snapshots-<hash>` holds one manifest per indexed tree as a
JSON document (with a constant one-dimensional embedding: Chroma needs one).
redfix always passes its own embeddings: Chroma's default embedding function
would download a model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.core.chunks import Chunk
from bot.core.errors import InfrastructureError, UsageError
from bot.core.knowledge_ports import Vectors
from bot.core.manifest import Manifest, manifest_from_json, manifest_to_json
from bot.core.sourcefiles import is_test_path

GET_BATCH = 2000
PLACEHOLDER_EMBEDDING = [1.0]


def chroma_client(*, data_dir: Path, url: str | None) -> Any:
    """An embedded PersistentClient under `data_dir`, or an HttpClient when `url` is set."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if not url:
        path = data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"REDFIX_CHROMA_URL={url!r} is not an http(s) URL like http://host:8000")
    ssl = parts.scheme == "https"
    try:
        client = chromadb.HttpClient(host=parts.hostname, port=parts.port or (443 if ssl else 8000),
                                     ssl=ssl, settings=settings)
        client.heartbeat()
    except Exception as exc:  # chromadb raises assorted errors for a server that is not there
        raise InfrastructureError(
            f"the Chroma server at {url} does not answer ({exc}); start it, fix "
            "REDFIX_CHROMA_URL, or unset it to use the embedded store"
        ) from exc
    return client


def collection_suffix(repository: str, embedder: str) -> str:
    return hashlib.sha256(f"{repository}\0{embedder}".encode()).hexdigest()[:24]


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


class ChromaChunkStore:
    def __init__(self, client: Any, *, repository: str, embedder: str) -> None:
        self.repository = repository
        suffix = collection_suffix(repository, embedder)
        about = {"repository": repository, "embedder": embedder}
        self._chunks = client.get_or_create_collection(
            f"redfix-chunks-{suffix}", embedding_function=None, metadata=about,
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._snapshots = client.get_or_create_collection(
            f"redfix-snapshots-{suffix}", embedding_function=None, metadata=about
        )
        self._max_batch = int(client.get_max_batch_size())

    def missing(self, chunk_ids: Sequence[str]) -> set[str]:
        present: set[str] = set()
        for batch in _batches(list(chunk_ids), GET_BATCH):
            present.update(self._chunks.get(ids=list(batch), include=[])["ids"])
        return set(chunk_ids) - present

    def add(self, chunks: Sequence[Chunk], embeddings: Vectors) -> None:
        for first in range(0, len(chunks), self._max_batch):
            batch = chunks[first : first + self._max_batch]
            self._chunks.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=embeddings[first : first + len(batch)],
                documents=[c.text for c in batch],
                metadatas=[
                    {"path": c.path, "symbol": c.symbol, "kind": c.kind, "language": c.language,
                     "start": c.start, "end": c.end, "is_test": is_test_path(c.path)}
                    for c in batch
                ],
            )

    def stored_ids(self) -> set[str]:
        return set(self._chunks.get(include=[])["ids"])

    def load_manifest(self, key: str) -> Manifest | None:
        found = self._snapshots.get(ids=[key], include=["documents"])
        documents = found["documents"] or []
        if not documents:
            return None
        return manifest_from_json(documents[0], source=f"snapshot {key} of {self.repository}")

    def _manifest_ages(self) -> list[tuple[float, str]]:
        found = self._snapshots.get(include=["metadatas"])
        metadatas = found["metadatas"] or []
        ages = [(float(m.get("created", 0.0)), key) for key, m in zip(found["ids"], metadatas,
                                                                     strict=True)]
        return sorted(ages, reverse=True)

    def latest_manifest(self) -> Manifest | None:
        ages = self._manifest_ages()
        return self.load_manifest(ages[0][1]) if ages else None

    def save_manifest(self, manifest: Manifest) -> None:
        self._snapshots.upsert(
            ids=[manifest.key],
            embeddings=[PLACEHOLDER_EMBEDDING],
            documents=[manifest_to_json(manifest)],
            metadatas=[{"commit": manifest.commit, "created": manifest.created,
                        "chunks": manifest.chunk_count}],
        )

    def prune(self, *, keep: int) -> int:
        ages = self._manifest_ages()
        dropped = [key for _, key in ages[keep:]]
        if dropped:
            self._snapshots.delete(ids=dropped)
        referenced: set[str] = set()
        for _, key in ages[:keep]:
            manifest = self.load_manifest(key)
            if manifest is not None:
                referenced |= manifest.chunk_ids()
        orphans = sorted(self.stored_ids() - referenced)
        for batch in _batches(orphans, self._max_batch):
            self._chunks.delete(ids=list(batch))
        return len(orphans)

    def nearest(
        self, embedding: Vectors, *, among: Sequence[str], limit: int
    ) -> list[tuple[str, float]]:
        if not among:
            return []
        found = self._chunks.query(query_embeddings=embedding, ids=list(among),
                                   n_results=min(limit, len(among)), include=["distances"])
        ids = found["ids"][0]
        distances = (found["distances"] or [[]])[0]
        return [(chunk_id, 1.0 - float(d)) for chunk_id, d in zip(ids, distances, strict=True)]
