"""What coverage says the failing tests reached: by path, the functions the spectrum
ranked, and whether a test runs code in a child process, where coverage cannot follow.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.chunks import Chunk
from bot.stages.localize.knowledge.fusion import Ranking
from bot.stages.localize.knowledge.signals import ChunkTable

CHILD_PROCESS_WORDS = ("subprocess", "Popen", "sys.executable", "multiprocessing", "os.system")


def starts_processes(test: Chunk) -> bool:
    """Whether a test runs code in a child process, where coverage does not follow it
    (tornado-3 of the real-bug suite: the faulty method runs only in the child)."""
    return any(word in test.text for word in CHILD_PROCESS_WORDS)


def reached_functions(rankings: Sequence[Ranking], table: ChunkTable) -> dict[str, frozenset[str]]:
    """By path, the functions and methods the spectrum ranked: those a failing test ran."""
    found: dict[str, set[str]] = {}
    for ranking in rankings:
        if ranking.signal != "spectrum":
            continue
        for key in ranking.items:
            chunk = table.by_key.get(key)
            if chunk is not None and chunk.kind in ("function", "method"):
                found.setdefault(chunk.path, set()).add(chunk.symbol)
    return {path: frozenset(names) for path, names in found.items()}
