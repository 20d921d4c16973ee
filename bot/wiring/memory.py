"""Fix memory for every entry point: the App, the Action and the CLI read and write the
same memory (REDFIX_FIX_MEMORY, REDFIX_MEMORY_SCOPE, the data dir or REDFIX_CHROMA_URL),
whichever surface a fix came from."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bot.core.errors import ConfigError, RedfixError
from bot.core.knowledge_ports import Embedder
from bot.core.memory import Scope, describe_failures
from bot.core.models import Lessons
from bot.core.ports import LessonRecall
from bot.core.results import TestCase
from bot.stages.learn.recall import FixMemory
from bot.stages.localize.knowledge.embedding import HashingEmbedder

log = logging.getLogger("redfix.memory")
CHOICES = ("auto", "minilm", "hashing", "off")


def fix_memory_factory(
    env: Mapping[str, str], data_dir: Path
) -> Callable[[], FixMemory | None]:
    """Fix memory, loaded on first use: REDFIX_FIX_MEMORY=auto|minilm|hashing|off,
    scoped per REDFIX_MEMORY_SCOPE=repository|installation."""
    choice = env.get("REDFIX_FIX_MEMORY", "auto").strip().lower() or "auto"
    scope_name = env.get("REDFIX_MEMORY_SCOPE", "repository").strip().lower() or "repository"
    if choice not in CHOICES:
        raise ConfigError(f"REDFIX_FIX_MEMORY={choice!r}: use auto, minilm, hashing or off")
    if scope_name not in ("repository", "installation"):
        raise ConfigError(f"REDFIX_MEMORY_SCOPE={scope_name!r}: use repository or installation")
    loaded: list[FixMemory | None] = []

    def load() -> FixMemory | None:
        if not loaded:
            loaded.append(_load_memory(choice, Scope(scope_name), env, data_dir))
        return loaded[0]

    return load


def _load_memory(
    choice: str, scope: Scope, env: Mapping[str, str], data_dir: Path
) -> FixMemory | None:
    if choice == "off":
        return None
    try:
        from connectors.vector.chroma_store import chroma_client
        from connectors.vector.embedder import MiniLMEmbedder
        from connectors.vector.fix_memory import ChromaFixMemory

        embedder: Embedder = HashingEmbedder() if choice == "hashing" else MiniLMEmbedder()
        client = chroma_client(data_dir=data_dir, url=env.get("REDFIX_CHROMA_URL"))
    except (ImportError, RedfixError) as exc:
        if choice != "auto":
            raise
        log.warning("fix memory is off: %s", exc)
        return None
    store = ChromaFixMemory(client, embedder=embedder.name)
    return FixMemory(store, embedder, scope)


def memory_asked(env: Mapping[str, str]) -> bool:
    """The CLI and the Action use fix memory only when REDFIX_FIX_MEMORY says so: loading an
    embedding model for every local run is not worth it unless memory is shared."""
    return env.get("REDFIX_FIX_MEMORY", "").strip().lower() not in ("", "off")


def recall_from(
    memory: Callable[[], FixMemory | None], *, repository: str, installation_id: int = 0,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] = log,
) -> LessonRecall:
    """The pipeline's fix-memory port for one repository: asked once the failures are known."""

    def recall(failures: Sequence[TestCase]) -> Lessons:
        loaded = memory()
        if loaded is None or not failures:
            return Lessons()
        lessons = loaded.lessons(describe_failures(failures), repository=repository,
                                 installation_id=installation_id)
        logger.info("fix memory: %d worked example(s), %d objection(s)",
                    len(lessons.examples), len(lessons.avoid))
        return lessons

    return recall
