"""What text a chunk is embedded as, and a small deterministic embedder.

`HashingEmbedder` hashes identifier tokens into a fixed number of buckets: no
model, no randomness. It serves tests of the indexing logic and installs where the
embedding model cannot be loaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from bot.core.chunks import Chunk
from bot.core.knowledge_ports import Vectors
from bot.stages.localize.knowledge.lexical import tokenize

MAX_EMBEDDED_CHARS = 2000  # the model reads 256 tokens at most; don't tokenize more


def embedding_text(chunk: Chunk) -> str:
    """The chunk as the model sees it: where it lives, then its code."""
    return f"{chunk.path} {chunk.symbol}\n{chunk.text}"[:MAX_EMBEDDED_CHARS]


class HashingEmbedder:
    name = "hashing"

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
                vectors[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised: Vectors = (vectors / np.maximum(norms, 1e-9)).astype(np.float32)
        return normalised
