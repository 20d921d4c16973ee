"""How much of a JUnit XML report redfix reads and keeps: `ReportLimits` and the
defaults every parse uses unless told otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportLimits:
    """How much of a report redfix reads and keeps."""

    max_bytes: int = 512 * 1024 * 1024  # refuse bigger files outright
    max_output_chars: int = 64 * 1024  # per system-out/err of a case or suite: the tail
    max_trace_chars: int = 64 * 1024  # per failure text: head and tail
    max_message_chars: int = 16 * 1024  # per failure message: the head
    max_depth: int = 64  # element nesting; real reports need fewer than 10 levels
    max_held_elements: int = 10_000  # elements held at once (one test case's worth)


DEFAULT_LIMITS = ReportLimits()
