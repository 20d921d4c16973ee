"""Reading a command's output without letting a runaway test flood memory."""

from __future__ import annotations

from pathlib import Path


def _join(head: bytes, tail: bytes, skipped: int) -> str:
    text = head.decode("utf-8", errors="replace")
    if skipped:
        text += f"\n[... {skipped} bytes of output omitted ...]\n"
    return text + tail.decode("utf-8", errors="replace")


def cap_text(data: bytes, limit: int) -> str:
    """Keep the head and the tail of `data` (the tail holds the test runner's summary)."""
    if len(data) <= limit:
        return data.decode("utf-8", errors="replace")
    half = limit // 2
    return _join(data[:half], data[-half:], len(data) - 2 * half)


def read_capped(path: Path, limit: int) -> str:
    """Like cap_text, reading only the head and tail of a large file."""
    size = path.stat().st_size
    if size <= limit:
        return path.read_text(encoding="utf-8", errors="replace")
    half = limit // 2
    with path.open("rb") as stream:
        head = stream.read(half)
        stream.seek(size - half)
        tail = stream.read(half)
    return _join(head, tail, size - 2 * half)
