"""Reciprocal rank fusion of the localization signals, and how sure the result is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Tuned on bench/localize (boltons, cachetools, inflection; toolz and more-itertools
# held out). Ochiai is the strongest single signal, so it leads; the others break its
# ties and speak when there is no coverage. A small k keeps first places decisive.
RRF_K = 2.0
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "culprit": 10.0,  # the chunks the commit that broke the tests changed: the strongest
    "spectrum": 8.0,
    "traceback": 1.0,
    "embedding": 1.0,
    "bm25": 0.7,
    "test_calls": 0.5,
}


@dataclass(frozen=True)
class Ranking:
    """One signal's ranking: items (chunk keys) best first, with the signal's own scores."""

    signal: str
    items: tuple[str, ...]
    scores: tuple[float, ...] = ()

    def rank_of(self, item: str) -> int | None:
        try:
            return self.items.index(item) + 1
        except ValueError:
            return None

    def shared_ranks(self) -> list[int]:
        """1-based ranks where equal scores share the best of their places (1, 1, 3)."""
        if len(self.scores) != len(self.items):
            return list(range(1, len(self.items) + 1))
        ranks: list[int] = []
        for position, score in enumerate(self.scores, start=1):
            tied = position > 1 and score == self.scores[position - 2]
            ranks.append(ranks[-1] if tied else position)
        return ranks


@dataclass(frozen=True)
class Fused:
    item: str
    score: float
    ranks: Mapping[str, int] = field(default_factory=dict)  # signal -> 1-based rank


def reciprocal_rank_fusion(
    rankings: Sequence[Ranking],
    *,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    k: float = RRF_K,
    depth: int = 50,
) -> list[Fused]:
    """Sum of weight / (k + rank) over the signals that ranked an item in their top `depth`.

    Items a signal scores equally share a rank: the other signals decide between them.
    """
    totals: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for ranking in rankings:
        weight = weights.get(ranking.signal, 1.0)
        for item, position in zip(ranking.items[:depth], ranking.shared_ranks(), strict=False):
            totals[item] = totals.get(item, 0.0) + weight / (k + position)
            ranks.setdefault(item, {})[ranking.signal] = position
    order = sorted(totals, key=lambda item: (-totals[item], min(ranks[item].values()), item))
    return [Fused(item, totals[item], ranks[item]) for item in order]


def confidence(
    fused: Sequence[Fused],
    rankings: Sequence[Ranking],
    *,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> float:
    """0..1 from agreement on the winner and its lead over the runner-up.

    Agreement is the weight share of the signals that produced a ranking and
    put the fused winner in their top 3 (first place counts fully, 2nd and 3rd
    half). The margin is the winner's relative lead in fused score. A single
    signal, however sure, caps the result at its share of all the weights.
    """
    voting = [r for r in rankings if r.items]
    if not fused or not voting:
        return 0.0
    winner = fused[0].item
    total_weight = sum(weights.get(r.signal, 1.0) for r in rankings) or 1.0
    support = 0.0
    for ranking in voting:
        rank = ranking.rank_of(winner)
        if rank is not None and rank <= 3:
            support += weights.get(ranking.signal, 1.0) * (1.0 if rank == 1 else 0.5)
    agreement = support / total_weight
    runner_up = fused[1].score if len(fused) > 1 else 0.0
    margin = (fused[0].score - runner_up) / fused[0].score
    return round(min(1.0, 0.7 * agreement + 0.3 * margin), 3)
