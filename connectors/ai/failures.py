"""Translate what a model server answered into the error tree (bot.core.errors).

Shared by both connectors so that "which failures are retried" is decided once:

    a prompt longer than the context window (any status)      -> PromptTooLong (shrink, not retried)
    connection refused, timeout, cut stream, 5xx, 408, 429   -> ModelServiceUnreachable (retried)
    404                                                       -> ModelNotFound
    401, 403                                                  -> ModelRequestRejected (credentials)
    any other 4xx                                             -> ModelRequestRejected
"""

from __future__ import annotations

import re

from bot.core.errors import (
    ModelNotFound,
    ModelRequestRejected,
    ModelServiceError,
    ModelServiceUnreachable,
    PromptTooLong,
)

# A busy server (request timeout, rate limit) is as worth retrying as a 5xx.
_RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})
_DETAIL_LIMIT = 300

# How servers say that a prompt does not fit the context window (lower case).
_TOO_LONG_MARKERS = (
    "exceed_context_size_error",  # llama.cpp's server: its error type
    "exceeds the available context size",  # llama.cpp's server: its message
    "context_length_exceeded",  # OpenAI, llama-cpp-python: the error code
    "maximum context length",  # OpenAI, vLLM, llama-cpp-python: the message
    "exceed context window",  # llama-cpp-python's own ValueError, when passed on as is
    "exceeds the context length",  # Ollama
)
# The window's size and the prompt's, in each server's words, first match wins.
_LIMIT_PATTERNS = (
    r'"n_ctx"\s*:\s*(\d+)',
    r"available context size \((\d+) tokens\)",
    r"maximum context length is (\d+)",
    r"context window of (\d+)",
)
_PROMPT_PATTERNS = (
    r'"n_prompt_tokens"\s*:\s*(\d+)',
    r"request \((\d+) tokens\)",
    r"\((\d+) in the messages",
    r"messages resulted in (\d+) tokens",
    r"requested tokens \((\d+)\)",
)


def shorten(detail: str) -> str:
    """Keep a server's error text readable in one line of a report."""
    flat = " ".join(detail.split())
    return flat if len(flat) <= _DETAIL_LIMIT else flat[:_DETAIL_LIMIT] + "..."


def error_for_status(
    status: int,
    detail: str,
    *,
    server: str,
    model: str,
    not_found_hint: str,
) -> ModelServiceError:
    """The error for an HTTP status from `server` (a phrase such as "Ollama at URL").

    A negative status stands for an error the server reported inside a stream
    that had already started with 200; those are server-side failures.
    """
    said = f"{status}: {shorten(detail)}" if status >= 0 else shorten(detail)
    too_long = prompt_too_long(detail, server=server) if status not in (401, 403, 404) else None
    if too_long is not None:
        return too_long
    if status == 404:
        return ModelNotFound(model, not_found_hint)
    if status < 0 or status >= 500 or status in _RETRYABLE_CLIENT_STATUSES:
        return ModelServiceUnreachable(
            f"{server} failed to answer ({said}); redfix retries this, and if it persists "
            "check the server's log (out of memory, model crashed, overloaded)"
        )
    if status in (401, 403):
        return ModelRequestRejected(
            f"{server} refused the credentials ({said}): set REDFIX_API_KEY to a key "
            "this server accepts"
        )
    return ModelRequestRejected(
        f"{server} rejected the request ({said}): check the model name and the options "
        "(max tokens, context size) this server supports"
    )


def prompt_too_long(text: str, *, server: str) -> PromptTooLong | None:
    """PromptTooLong when `text` (an error body or message) says the prompt does not fit.

    Any status counts: llama.cpp and OpenAI answer 400, Ollama 400 or 500, and an error
    inside a stream has none. The numbers are read from the body when it gives them.
    """
    lowered = text.lower()
    if not any(marker in lowered for marker in _TOO_LONG_MARKERS):
        return None
    limit = _first_number(_LIMIT_PATTERNS, lowered)
    prompt = _first_number(_PROMPT_PATTERNS, lowered)
    size = f" of {prompt} tokens" if prompt is not None else ""
    window = f"its {limit}-token context window" if limit is not None else "its context window"
    return PromptTooLong(
        f"{server} refused the prompt{size} as too long for {window} ({shorten(text)}): "
        "redfix needs a shorter prompt, or a server started with a larger context "
        "(llama.cpp's -c, REDFIX_SERVER_CTX for scripts/model-server)",
        limit=limit,
        prompt_tokens=prompt,
    )


def _first_number(patterns: tuple[str, ...], text: str) -> int | None:
    for pattern in patterns:
        found = re.search(pattern, text)
        if found:
            return int(found.group(1))
    return None
