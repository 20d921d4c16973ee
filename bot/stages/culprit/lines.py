"""The lines a commit changed, numbered as they are in the failing tree: read from the
commit's own diff, then carried through the later changes (`git diff <commit>`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_FILE = re.compile(r"^\+\+\+ (?:b/)?(.+?)\s*$")
_OLD_FILE = re.compile(r"^--- (?:a/)?(.+?)\s*$")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    added: tuple[int, ...]  # new-side numbers of its added lines


def hunks_by_file(diff: str) -> dict[str, list[Hunk]]:
    """Each file's hunks, keyed by its path on the new side (its old path when deleted)."""
    found: dict[str, list[Hunk]] = {}
    lines = diff.splitlines()
    old_path = path = ""
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if old := _OLD_FILE.match(line):
            old_path = old.group(1)
        elif file := _FILE.match(line):
            path = old_path if file.group(1) == "/dev/null" else file.group(1)
            found.setdefault(path, [])
        elif (header := _HUNK.match(line)) and path:
            hunk, used = _hunk(header, lines[number:])
            found[path].append(hunk)
            number += used
    return found


def _hunk(header: re.Match[str], body: list[str]) -> tuple[Hunk, int]:
    """The hunk and how many lines of `body` it spans."""
    old_start, new_start = int(header.group(1)), int(header.group(3))
    old_count = int(header.group(2)) if header.group(2) is not None else 1
    new_count = int(header.group(4)) if header.group(4) is not None else 1
    added: list[int] = []
    line, seen_old, seen_new, used = new_start, 0, 0, 0
    for text in body:
        if text.startswith("\\"):
            used += 1
            continue
        if seen_old >= old_count and seen_new >= new_count:
            break
        used += 1
        if text.startswith("+"):
            added.append(line)
            line, seen_new = line + 1, seen_new + 1
        elif text.startswith("-"):
            seen_old += 1
        else:
            line, seen_new, seen_old = line + 1, seen_new + 1, seen_old + 1
    return Hunk(old_start, old_count, new_start, new_count, tuple(added)), used


def changed_lines(diff: str) -> dict[str, set[int]]:
    """New-side lines each file's change added or replaced; where it only deleted, the line
    just before the deleted ones (in the same function when a function lost a statement,
    its first, middle or last)."""
    changed: dict[str, set[int]] = {}
    for path, hunks in hunks_by_file(diff).items():
        lines: set[int] = set()
        for hunk in hunks:
            lines.update(hunk.added)
            if not hunk.added and hunk.old_count:
                lines.add(max(hunk.new_start, 1))
        changed[path] = lines
    return changed


def carried(lines: Mapping[str, set[int]], later: str) -> dict[str, tuple[int, ...]]:
    """`lines` renumbered through the `later` diff (-U0): a line a later hunk rewrote
    stands at that hunk's new place; a file the later diff deletes is dropped."""
    later_hunks = hunks_by_file(later)
    deleted = {path for path, hunks in later_hunks.items() if _deletes(hunks)}
    moved: dict[str, tuple[int, ...]] = {}
    for path, numbers in lines.items():
        if path in deleted or not numbers:
            continue
        hunks = later_hunks.get(path, [])
        moved[path] = tuple(sorted({_renumber(line, hunks) for line in numbers}))
    return moved


def _deletes(hunks: list[Hunk]) -> bool:
    return len(hunks) == 1 and hunks[0].new_start == 0 and hunks[0].new_count == 0


def _renumber(line: int, hunks: list[Hunk]) -> int:
    shift = 0
    for hunk in hunks:
        old_end = hunk.old_start + hunk.old_count - 1 if hunk.old_count else hunk.old_start
        if hunk.old_count and hunk.old_start <= line <= old_end:
            return max(hunk.new_start, 1)
        if line > old_end:
            shift += hunk.new_count - hunk.old_count
    return line + shift
