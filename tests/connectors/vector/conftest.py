"""Real Chroma stores in temporary directories and the real all-MiniLM-L6-v2 model."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.vector.embedder import MiniLMEmbedder


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "embedding: loads the all-MiniLM-L6-v2 model (seconds, once per session)"
    )


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root
