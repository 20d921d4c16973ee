"""Aider-style SEARCH/REPLACE blocks, read the way small models actually write them.

    src/calc.py
    ```python
    <<<<<<< SEARCH
    old lines
    =======
    new lines
    >>>>>>> REPLACE
    ```

Tolerated: 5 to 9 marker characters, ORIGINAL/UPDATED for SEARCH/REPLACE, no
fences, the path inside the fence or decorated (`# src/calc.py`, `File: ...`,
backticks), no path at all (the caller reuses the previous one), and a missing
`>>>>>>> REPLACE` when a closing fence ends the block instead. A block cut off
before its end (the model ran out of tokens) is reported, never applied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.stages.apply.markdown import (
    is_fence_line,
    path_from_line,
    path_in_fence_info,
    path_mentioned_in,
)

_SEARCH = re.compile(r"^\s*<{5,9}\s*(?:SEARCH|ORIGINAL)\b.*$", re.IGNORECASE)
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_REPLACE = re.compile(r"^\s*>{5,9}\s*(?:REPLACE|UPDATED)?\s*$", re.IGNORECASE)


def opens_block(line: str) -> bool:
    return _SEARCH.match(line) is not None


def closes_block(line: str) -> bool:
    """A REPLACE marker, or a fence line (which may end a block instead)."""
    return _REPLACE.match(line) is not None or is_fence_line(line)


@dataclass(frozen=True)
class RawBlock:
    """One SEARCH/REPLACE block; `path` is what the text said, "" when it said nothing."""

    first_line: int
    last_line: int
    path: str
    search: str
    replace: str


def _joined(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def _path_before(lines: Sequence[str], index: int) -> str:
    """The file named just before line `index`, skipping blank lines and fence openings."""
    cursor = index - 1
    while cursor >= 0:
        line = lines[cursor]
        if not line.strip():
            cursor -= 1
            continue
        if is_fence_line(line):
            named = path_in_fence_info(line.strip().lstrip("`~"))
            if named:
                return named
            cursor -= 1  # the fence opening this block: the path may sit above it
            continue
        if _REPLACE.match(line):
            return ""
        return path_from_line(line) or path_mentioned_in(line) or ""
    return ""


def _find(pattern: re.Pattern[str], lines: Sequence[str], start: int) -> int | None:
    """The first line from `start` matching `pattern`, stopping at the next SEARCH."""
    for index in range(start, len(lines)):
        if pattern.match(lines[index]):
            return index
        if _SEARCH.match(lines[index]):
            return None
    return None


def _replace_end(lines: Sequence[str], start: int) -> int | None:
    """Where the REPLACE part ends: its marker, else a closing fence before the next block."""
    for index in range(start, len(lines)):
        line = lines[index]
        if _REPLACE.match(line):
            return index
        if _SEARCH.match(line):
            return None
        if is_fence_line(line) and not line.strip().strip("`~"):
            return index
    return None


def find_blocks(lines: Sequence[str]) -> tuple[tuple[RawBlock, ...], tuple[str, ...]]:
    blocks: list[RawBlock] = []
    problems: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _REPLACE.match(line) and not _SEARCH.match(line):
            problems.append(f"line {index + 1}: '>>>>>>> REPLACE' without a SEARCH block before it")
        if not _SEARCH.match(line):
            index += 1
            continue
        divider = _find(_DIVIDER, lines, index + 1)
        if divider is None:
            problems.append(f"line {index + 1}: SEARCH block without '=======' and REPLACE part")
            index += 1
            continue
        end = _replace_end(lines, divider + 1)
        if end is None:
            problems.append(
                f"line {index + 1}: SEARCH block without '>>>>>>> REPLACE' (cut off?); ignored"
            )
            index = divider + 1
            continue
        blocks.append(
            RawBlock(
                first_line=index,
                last_line=end,
                path=_path_before(lines, index),
                search=_joined(lines[index + 1 : divider]),
                replace=_joined(lines[divider + 1 : end]),
            )
        )
        index = end + 1
    return tuple(blocks), tuple(problems)
