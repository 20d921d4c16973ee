"""Scripted answers handed out in order, and the error for asking past their end."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class ScriptExhausted(AssertionError):
    """The code under test asked a fake more often than its script allows.

    An AssertionError, so that pytest reports a test failure and no handler of
    RedfixError on the way up turns it into an outcome.
    """


class Script(Generic[T]):
    """The entries of one fake's script, each used once, in order."""

    def __init__(self, owner: str, entries: Iterable[T]) -> None:
        self.owner = owner
        self.entries = tuple(entries)
        self.used = 0

    @property
    def remaining(self) -> int:
        return len(self.entries) - self.used

    def take(self, call: str, *, detail: str = "") -> T:
        """The next entry for `call` (e.g. `complete()`), or ScriptExhausted naming it."""
        if self.remaining <= 0:
            held = f"the script holds {len(self.entries)}"
            suffix = f"; {detail}" if detail else ""
            raise ScriptExhausted(
                f"{self.owner}: {call} call {self.used + 1} has no scripted answer "
                f"({held}){suffix}"
            )
        entry = self.entries[self.used]
        self.used += 1
        return entry
