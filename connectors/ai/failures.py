"""Translate what a model server answered into the error tree (bot.errors).

Shared by both connectors so that "which failures are retried" is decided once:

    connection refused, timeout, cut stream, 5xx, 408, 429   -> ModelServiceUnreachable (retried)
    404                                                       -> ModelNotFound
    401, 403                                                  -> ModelRequestRejected (credentials)
    any other 4xx                                             -> ModelRequestRejected
"""

from __future__ import annotations

from bot.errors import (
    ModelNotFound,
    ModelRequestRejected,
    ModelServiceError,
    ModelServiceUnreachable,
)

# A busy server (request timeout, rate limit) is as worth retrying as a 5xx.
_RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})
_DETAIL_LIMIT = 300


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
