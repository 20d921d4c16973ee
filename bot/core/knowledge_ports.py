"""The seams of repository knowledge: an embedding model and a chunk store.

Adapters live in connectors/vector/ (`MiniLMEmbedder`, `ChromaChunkStore`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.core.chunks import Chunk
from bot.core.manifest import Manifest

Vectors = npt.NDArray[np.float32]  # shape (n, dimension), rows of unit length


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length vector per text; documents and queries share the space."""


class ChunkStore(Protocol):
    """The chunks and snapshot manifests of one repository."""

    repository: str

    def missing(self, chunk_ids: Sequence[str]) -> set[str]:
        """The ids among `chunk_ids` that the store holds no embedding for."""

    def add(self, chunks: Sequence[Chunk], embeddings: Vectors) -> None: ...

    def load_manifest(self, key: str) -> Manifest | None: ...

    def latest_manifest(self) -> Manifest | None: ...

    def save_manifest(self, manifest: Manifest) -> None: ...

    def prune(self, *, keep: int) -> int:
        """Keep the `keep` newest manifests; delete chunks no kept manifest names.
        Returns how many chunk records were deleted."""

    def nearest(
        self, embedding: Vectors, *, among: Sequence[str], limit: int
    ) -> list[tuple[str, float]]:
        """(chunk id, similarity) of the stored chunks among `among` closest to `embedding`."""
