"""What hybrid localization reports: the ranked suspects, the failing tests' code, each
signal's ranking, and the order the model is shown the suspects and tests in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.chunks import Chunk
from bot.core.results import CodeSpan
from bot.stages.localize.knowledge.fusion import Fused, Ranking


@dataclass(frozen=True)
class RankedSpan:
    span: CodeSpan
    fused: Fused


@dataclass(frozen=True)
class LocalizationReport:
    snapshot: str
    ranked: tuple[RankedSpan, ...]  # suspects, best first
    tests: tuple[CodeSpan, ...]  # the failing tests' own code
    rankings: tuple[Ranking, ...]  # each signal alone
    packed: tuple[CodeSpan, ...]  # what the model is shown, in order
    confidence: float
    notes: tuple[str, ...] = ()
    seconds: Mapping[str, float] = field(default_factory=dict)
    # By path, the functions a failing test ran; None unless coverage saw every failing test.
    reached: Mapping[str, frozenset[str]] | None = None


def _span(chunk: Chunk, *, score: float, why: tuple[str, ...]) -> CodeSpan:
    return CodeSpan(
        chunk.path,
        chunk.start,
        chunk.end,
        chunk.text,
        score=round(score, 6),
        why=why,
        symbol=chunk.symbol,
    )


def _why(fused: Fused) -> tuple[str, ...]:
    return tuple(
        f"{signal} #{rank}"
        for signal, rank in sorted(fused.ranks.items(), key=lambda item: item[1])
    )


def presentation_order(
    ranked: Sequence[RankedSpan], tests: Sequence[CodeSpan], *, tests_after: int = 1
) -> list[CodeSpan]:
    """Best suspects first, the failing tests right after the first `tests_after` of them.

    Scores strictly decrease along the result, so a later sort by score keeps the order.
    """
    suspects = [item.span for item in ranked]
    ordered = [*suspects[:tests_after], *tests, *suspects[tests_after:]]
    top = suspects[0].score if suspects else 1.0
    step = top / (len(ordered) + 1) if ordered else 0.0
    return [
        CodeSpan(
            s.path,
            s.start,
            s.end,
            s.text,
            score=round(top - i * step, 6),
            why=s.why,
            symbol=s.symbol,
        )
        for i, s in enumerate(ordered)
    ]
