"""One retry policy for every model-server call: retry what says it is retryable.

The error tree (bot.core.errors) decides: connection refused, 5xx, timeouts and cut
streams are `ModelServiceUnreachable` (retryable); a missing model or a rejected
request is not worth a second try and surfaces at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import wait_exponential as exponential_backoff

from bot.core.errors import RedfixError

_log = logging.getLogger(__name__)

Result = TypeVar("Result")

MAX_BACKOFF_S = 30.0


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, RedfixError) and exc.retryable


def call_with_retries(
    operation: Callable[[], Result],
    *,
    attempts: int,
    backoff_s: float,
    what: str,
) -> Result:
    """Run `operation`, retrying retryable errors up to `attempts` times in all.

    Waits `backoff_s`, then twice that, and so on (capped at MAX_BACKOFF_S);
    `backoff_s=0` retries at once. The last error is re-raised unchanged.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")

    def log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        _log.warning(
            "%s failed (attempt %d of %d): %s; retrying in %.1fs",
            what,
            state.attempt_number,
            attempts,
            error,
            wait,
        )

    retrying = Retrying(
        retry=retry_if_exception(is_retryable),
        stop=stop_after_attempt(attempts),
        wait=exponential_backoff(multiplier=backoff_s, max=MAX_BACKOFF_S),
        before_sleep=log_retry,
        reraise=True,
    )
    return retrying(operation)
