"""How much of redfix's diff survived into the merged code.

Each line redfix added counts as surviving when the merged file still holds it
(whitespace at the ends aside); each line it removed, when the merged file no
longer holds it. Lines are counted as a multiset, so a line added twice must
be there twice. Blank lines are not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from bot.core.errors import UsageError


@dataclass(frozen=True)
class Changes:
    added: Counter[str]
    removed: Counter[str]


def changes_by_file(diff: str) -> dict[str, Changes]:
    try:
        patch = PatchSet(diff)
    except UnidiffParseError as exc:
        raise UsageError(f"redfix's diff cannot be read as a unified diff: {exc}") from exc
    found: dict[str, Changes] = {}
    for patched in patch:
        path = patched.target_file.removeprefix("b/")
        if path == "/dev/null":
            path = patched.source_file.removeprefix("a/")
        added: Counter[str] = Counter()
        removed: Counter[str] = Counter()
        for hunk in patched:
            for line in hunk:
                text = line.value.strip()
                if text and line.is_added:
                    added[text] += 1
                elif text and line.is_removed:
                    removed[text] += 1
        found[path] = Changes(added - removed, removed - added)  # moved lines are no change
    return found


def survival(diff: str, merged: Mapping[str, str | None]) -> float:
    """0..1: the share of redfix's changed lines the merged files keep (1 when none changed).

    `merged` maps each path of the diff to its merged text, None when it was deleted.
    """
    kept = total = 0
    for path, changes in changes_by_file(diff).items():
        present = Counter(line.strip() for line in (merged.get(path) or "").splitlines())
        for line, count in changes.added.items():
            kept += min(count, present[line])
            total += count
        for line, count in changes.removed.items():
            kept += count if present[line] == 0 else 0
            total += count
    return 1.0 if total == 0 else kept / total
