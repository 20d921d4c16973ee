"""The real all-MiniLM-L6-v2 model, once per session (tests marked `embedding`)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def minilm():
    from connectors.vector.embedder import MiniLMEmbedder

    return MiniLMEmbedder()
