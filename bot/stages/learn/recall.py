"""Remembering closed fixes and recalling them as lessons for a new failure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.knowledge_ports import Embedder
from bot.core.memory import FixMemoryStore, Hit, MemoryEntry, Scope, ranked
from bot.core.models import Lessons, WorkedExample
from bot.core.records import FixState

MIN_EXAMPLE_SIMILARITY = 0.35
MIN_AVOID_SIMILARITY = 0.5
MAX_EXAMPLES = 2
MAX_AVOID = 3
CANDIDATES = 10


@dataclass
class FixMemory:
    store: FixMemoryStore
    embedder: Embedder
    scope: Scope = Scope.REPOSITORY

    def remember(self, entry: MemoryEntry) -> None:
        """Keep a closed fix: accepted ones become examples, rejected ones warnings."""
        if entry.state is FixState.OPEN:
            return
        self.store.put(entry, self.embedder.embed([entry.failure_text]))

    def _where(self, repository: str, installation_id: int) -> dict[str, str | int]:
        if self.scope is Scope.INSTALLATION:
            return {"installation_id": installation_id}
        return {"repository": repository}

    def recall(self, failure_text: str, *, repository: str, installation_id: int,
               exclude: Sequence[str] = ()) -> tuple[list[Hit], list[Hit]]:
        """(accepted hits best first, rejected hits best first) for this failure."""
        if not failure_text.strip():
            return [], []
        vector = self.embedder.embed([failure_text])
        where = self._where(repository, installation_id)
        found = []
        for state in (FixState.ACCEPTED, FixState.REJECTED):
            hits = self.store.nearest(vector, state=state, where=where, limit=CANDIDATES)
            found.append(ranked([h for h in hits if h.entry.key not in exclude
                                 and h.entry.state is state]))
        return found[0], found[1]

    def lessons(self, failure_text: str, *, repository: str, installation_id: int,
                exclude: Sequence[str] = ()) -> Lessons:
        accepted, rejected = self.recall(failure_text, repository=repository,
                                         installation_id=installation_id, exclude=exclude)
        examples = [
            WorkedExample(h.entry.failure_text, h.entry.diff, h.entry.rationale,
                          similarity=h.similarity, score=h.entry.score,
                          hint=h.entry.hint)
            for h in accepted if h.similarity >= MIN_EXAMPLE_SIMILARITY
        ][:MAX_EXAMPLES]
        avoid = [reason for h in rejected if h.similarity >= MIN_AVOID_SIMILARITY
                 for reason in h.entry.reasons]
        return Lessons(tuple(examples), tuple(dict.fromkeys(avoid))[:MAX_AVOID])
