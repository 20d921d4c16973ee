"""Sentiment of review text with VADER (a lexicon and rules: no model, no download)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _analyser() -> Any:
    from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
        SentimentIntensityAnalyzer,
    )

    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """VADER's compound score: -1 (most negative) .. 1 (most positive); 0 for no text."""
    if not text.strip():
        return 0.0
    return float(_analyser().polarity_scores(text)["compound"])
