"""What fix memory holds, how a failure is described to it, and how hits are ranked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.core.knowledge_ports import Vectors
from bot.core.records import FixRecord, FixState
from bot.core.results import TestCase

MAX_FAILURE_CHARS = 1500
SIMILARITY_WEIGHT = 0.8  # the rest is the reviewers' score, mapped to 0..1


class Scope(StrEnum):
    REPOSITORY = "repository"
    INSTALLATION = "installation"


@dataclass(frozen=True)
class MemoryEntry:
    key: str  # repository#pr
    repository: str
    installation_id: int
    signature: str
    failure_text: str
    diff: str
    rationale: str
    state: FixState
    score: float
    reasons: tuple[str, ...] = ()  # reviewers' objections (rejected fixes)
    hint: str = ""  # the hint a person gave for this fix


@dataclass(frozen=True)
class Hit:
    entry: MemoryEntry
    similarity: float

    @property
    def rank(self) -> float:
        return SIMILARITY_WEIGHT * self.similarity + (1 - SIMILARITY_WEIGHT) * (
            (self.entry.score + 1) / 2
        )


class FixMemoryStore(Protocol):
    def put(self, entry: MemoryEntry, embedding: Vectors) -> None:
        """Insert or replace the entry with this key."""

    def nearest(self, embedding: Vectors, *, state: FixState, where: dict[str, str | int],
                limit: int) -> list[Hit]:
        """The entries in `state` matching `where` closest to `embedding`."""


def describe_case(case: TestCase) -> str:
    """A failure as memory embeds it: the test, the message and the deepest frames."""
    message = case.message.strip()
    frames = [line for line in case.traceback.strip().splitlines() if line.strip()][-8:]
    return "\n".join([case.key, message, *frames])


def describe_failures(cases: Sequence[TestCase]) -> str:
    return "\n\n".join(describe_case(case) for case in cases[:3])[:MAX_FAILURE_CHARS]


def entry_from_record(record: FixRecord, *, reasons: tuple[str, ...] = ()) -> MemoryEntry:
    return MemoryEntry(
        key=f"{record.repository}#{record.pr_number}",
        repository=record.repository,
        installation_id=record.installation_id,
        signature=record.signature,
        failure_text=record.failure_text[:MAX_FAILURE_CHARS],
        diff=record.diff,
        rationale=record.rationale,
        state=record.state,
        score=record.score,
        reasons=reasons,
        hint=record.hint,
    )


def ranked(hits: Sequence[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda h: (-h.rank, h.entry.key))
