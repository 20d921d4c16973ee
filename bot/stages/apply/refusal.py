"""Why an edit could not be applied, as a value the applier turns into an EditFailure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    reason: str
    unmatched: str = ""
