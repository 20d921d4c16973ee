"""Choosing the spans that fit the prompt: whole spans, no overlaps, best first."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.results import CodeSpan

CHARS_PER_TOKEN = 3  # as connectors/ai/tokens.py: errs towards too many tokens
SPAN_OVERHEAD_TOKENS = 12  # the path/lines header and code fence around each span
RESERVED_TOKENS = 2560  # the answer (1024), the instructions and the failure text
CODE_SHARE = 0.6  # never more of the window than this for code


def code_budget_tokens(context_window: int, *, reserved: int = RESERVED_TOKENS) -> int:
    """Tokens of code a prompt may carry in a model's context window."""
    return max(0, min(int(context_window * CODE_SHARE), context_window - reserved))


def span_tokens(span: CodeSpan) -> int:
    return -(-len(span.text) // CHARS_PER_TOKEN) + SPAN_OVERHEAD_TOKENS


def _overlaps(span: CodeSpan, chosen: Sequence[CodeSpan]) -> bool:
    return any(c.path == span.path and c.start <= span.end and span.start <= c.end for c in chosen)


def pack_spans(ranked: Sequence[CodeSpan], *, budget_tokens: int) -> list[CodeSpan]:
    """Spans in the given order (most relevant first) while they fit; skip what doesn't."""
    chosen: list[CodeSpan] = []
    used = 0
    for span in ranked:
        cost = span_tokens(span)
        if _overlaps(span, chosen) or used + cost > budget_tokens:
            continue
        chosen.append(span)
        used += cost
    return chosen
