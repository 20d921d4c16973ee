"""Token estimates for sizing requests when no tokenizer is at hand.

Source code tokenizes at roughly 3 to 4 characters per token with the BPE
vocabularies of current code models; dividing by 3 errs towards too many tokens,
which is the safe side when the estimate sizes a context window.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import ChatMessage

CHARS_PER_TOKEN = 3
# Role markers and separators the chat template wraps around each message.
TOKENS_PER_MESSAGE = 8
# Room for the template's own text (BOS, assistant header) and estimate error.
CONTEXT_MARGIN_TOKENS = 256
CONTEXT_STEP_TOKENS = 1024
MIN_CONTEXT_TOKENS = 2048


def estimate_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def estimate_prompt_tokens(messages: Sequence[ChatMessage]) -> int:
    return sum(estimate_tokens(message.content) + TOKENS_PER_MESSAGE for message in messages)


def context_window_for(
    messages: Sequence[ChatMessage],
    *,
    max_tokens: int,
    model_limit: int | None,
) -> int:
    """A context size that holds the prompt and the answer, never above the model's.

    Prompt estimate + `max_tokens` + a margin, rounded up to a multiple of
    CONTEXT_STEP_TOKENS (so that similar prompts reuse one loaded context), at
    least MIN_CONTEXT_TOKENS, capped by `model_limit` when it is known.
    """
    needed = estimate_prompt_tokens(messages) + max_tokens + CONTEXT_MARGIN_TOKENS
    steps = -(-needed // CONTEXT_STEP_TOKENS)
    window = max(MIN_CONTEXT_TOKENS, steps * CONTEXT_STEP_TOKENS)
    return window if model_limit is None else min(window, model_limit)
