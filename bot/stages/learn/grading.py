"""From signals to grades, and from grades to one score per fix.

merged +1 · closed without merge -1 · approved +0.5 · changes requested -0.5 ·
a review or review comment: a quarter of its VADER sentiment. A merged fix's
score rises with how much of its diff survived; reviews move it by at most 0.2.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.records import EventKind, FeedbackEvent, FixState

FIXED_GRADES = {
    EventKind.MERGED: 1.0,
    EventKind.CLOSED: -1.0,
    EventKind.APPROVED: 0.5,
    EventKind.CHANGES_REQUESTED: -0.5,
}
SENTIMENT_WEIGHT = 0.25
REVIEW_WEIGHT = 0.2
NEGATIVE = -0.05  # VADER's own threshold for a negative text


def grade(kind: EventKind, sentiment: float | None = None) -> float:
    """The grade of one event; a review that approves or asks for changes also carries its
    text's tone."""
    tone = SENTIMENT_WEIGHT * (sentiment or 0.0)
    return max(-1.0, min(1.0, FIXED_GRADES.get(kind, 0.0) + tone))


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))


def fix_score(state: FixState, *, survival: float | None, events: Sequence[FeedbackEvent]) -> float:
    reviews = [e.grade for e in events if e.kind not in (EventKind.MERGED, EventKind.CLOSED)]
    review = sum(reviews) / len(reviews) if reviews else 0.0
    if state is FixState.ACCEPTED:
        base = 0.2 + 0.6 * (1.0 if survival is None else survival)
    elif state is FixState.REJECTED:
        base = -0.6
    else:
        base = 0.0
    return _clamp(base + REVIEW_WEIGHT * review)


def _against(event: FeedbackEvent) -> bool:
    if event.kind in (EventKind.CHANGES_REQUESTED, EventKind.CLOSED):
        return True
    return event.sentiment is not None and event.sentiment <= NEGATIVE


def rejection_reasons(events: Sequence[FeedbackEvent], *, limit: int = 5) -> tuple[str, ...]:
    """What reviewers said against a fix: the text of its negative events, newest first."""
    negative = [e for e in events if e.text.strip() and _against(e)]
    return tuple(e.text.strip() for e in sorted(negative, key=lambda e: -e.at)[:limit])
