"""Acceptance of redfix's pull requests by repository, model or failure class, over time.

The acceptance rate counts closed pull requests only: merged / (merged + closed
unmerged); open ones are shown beside it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import UsageError
from bot.core.records import FixRecord, FixState


class GroupBy(StrEnum):
    REPOSITORY = "repository"
    MODEL = "model"
    CLASS = "class"


PERIODS = ("day", "week", "month", "all")


@dataclass(frozen=True)
class StatsRow:
    group: str
    period: str
    accepted: int
    rejected: int
    open: int
    mean_score: float

    @property
    def rate(self) -> float | None:
        closed = self.accepted + self.rejected
        return self.accepted / closed if closed else None


def _group_of(record: FixRecord, by: GroupBy) -> str:
    if by is GroupBy.MODEL:
        return record.model or "unknown"
    if by is GroupBy.CLASS:
        return record.failure_class or "unknown"
    return record.repository


def period_of(stamp: float, period: str) -> str:
    moment = time.gmtime(stamp)
    if period == "day":
        return time.strftime("%Y-%m-%d", moment)
    if period == "week":
        return time.strftime("%G-W%V", moment)
    if period == "month":
        return time.strftime("%Y-%m", moment)
    return "all"


def checked(by: str, period: str) -> tuple[GroupBy, str]:
    if by not in GroupBy.__members__.values():
        choices = ", ".join(g.value for g in GroupBy)
        raise UsageError(f"--by {by!r}: choose one of {choices}")
    if period not in PERIODS:
        raise UsageError(f"--period {period!r}: choose one of {', '.join(PERIODS)}")
    return GroupBy(by), period


def acceptance(records: Sequence[FixRecord], *, by: str = "repository",
               period: str = "month") -> list[StatsRow]:
    group_by, period = checked(by, period)
    buckets: dict[tuple[str, str], list[FixRecord]] = {}
    for record in records:
        key = (_group_of(record, group_by), period_of(record.created_at, period))
        buckets.setdefault(key, []).append(record)
    rows = []
    for (group, when), members in sorted(buckets.items()):
        states = [m.state for m in members]
        rows.append(StatsRow(
            group, when, states.count(FixState.ACCEPTED), states.count(FixState.REJECTED),
            states.count(FixState.OPEN), sum(m.score for m in members) / len(members),
        ))
    return rows


def rows_to_json(rows: Sequence[StatsRow]) -> list[dict[str, object]]:
    return [
        {"group": r.group, "period": r.period, "accepted": r.accepted, "rejected": r.rejected,
         "open": r.open, "acceptance_rate": r.rate, "mean_score": round(r.mean_score, 3)}
        for r in rows
    ]


def table(rows: Sequence[StatsRow], *, by: str) -> str:
    """A plain-text table, one line per group and period."""
    if not rows:
        return "no redfix pull requests recorded yet"
    width = max(len(by), *(len(r.group) for r in rows))
    lines = [f"{by:<{width}}  {'period':<8}  {'accepted':>8}  {'rejected':>8}  {'open':>4}  "
             f"{'rate':>6}  {'score':>6}"]
    for r in rows:
        rate = f"{r.rate:.0%}" if r.rate is not None else "-"
        lines.append(f"{r.group:<{width}}  {r.period:<8}  {r.accepted:>8}  {r.rejected:>8}  "
                     f"{r.open:>4}  {rate:>6}  {r.mean_score:>6.2f}")
    return "\n".join(lines)
