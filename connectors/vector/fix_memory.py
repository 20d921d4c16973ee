"""`ChromaFixMemory`: closed redfix fixes in a Chroma collection, one per embedding model.

Each record: id = `repository#pr`, the failure text as document and embedding,
and metadata (repository, installation, state, score, signature, the diff, the
rationale, the hint a person gave and reviewers' objections as JSON). Queries filter on state and
scope in Chroma (`where`) and again in Python on the way out.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.core.knowledge_ports import Vectors
from bot.core.memory import Hit, MemoryEntry
from bot.core.records import FixState


def _collection_name(embedder: str) -> str:
    return "redfix-fixes-" + hashlib.sha256(embedder.encode()).hexdigest()[:24]


def _metadata(entry: MemoryEntry) -> dict[str, str | int | float]:
    return {
        "repository": entry.repository,
        "installation_id": entry.installation_id,
        "signature": entry.signature,
        "state": str(entry.state),
        "score": float(entry.score),
        "diff": entry.diff,
        "rationale": entry.rationale,
        "reasons": json.dumps(list(entry.reasons)),
        "hint": entry.hint,
    }


def _entry(key: str, document: str, meta: dict[str, Any]) -> MemoryEntry:
    return MemoryEntry(
        key=key,
        repository=str(meta["repository"]),
        installation_id=int(meta["installation_id"]),
        signature=str(meta["signature"]),
        failure_text=document,
        diff=str(meta["diff"]),
        rationale=str(meta["rationale"]),
        state=FixState(str(meta["state"])),
        score=float(meta["score"]),
        reasons=tuple(json.loads(str(meta["reasons"]))),
        hint=str(meta.get("hint") or ""),
    )


class ChromaFixMemory:
    def __init__(self, client: Any, *, embedder: str) -> None:
        self._fixes = client.get_or_create_collection(
            _collection_name(embedder), embedding_function=None,
            metadata={"embedder": embedder, "kind": "redfix fix memory"},
            configuration={"hnsw": {"space": "cosine"}},
        )

    def put(self, entry: MemoryEntry, embedding: Vectors) -> None:
        self._fixes.upsert(ids=[entry.key], embeddings=embedding, documents=[entry.failure_text],
                           metadatas=[_metadata(entry)])

    def nearest(self, embedding: Vectors, *, state: FixState, where: dict[str, str | int],
                limit: int) -> list[Hit]:
        clauses = [{"state": str(state)}, *({key: value} for key, value in where.items())]
        found = self._fixes.query(
            query_embeddings=embedding, n_results=limit, where={"$and": clauses},
            include=["documents", "metadatas", "distances"],
        )
        ids = found["ids"][0]
        documents = (found["documents"] or [[]])[0]
        metadatas = (found["metadatas"] or [[]])[0]
        distances = (found["distances"] or [[]])[0]
        hits = [
            Hit(_entry(key, doc, dict(meta)), 1.0 - float(distance))
            for key, doc, meta, distance in zip(ids, documents, metadatas, distances, strict=True)
        ]
        return [hit for hit in hits if hit.entry.state is state]
