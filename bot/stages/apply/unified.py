"""Unified diffs from a model: `unidiff` when the diff is well formed, else our own reading.

Small models get hunk headers wrong (line counts, bare `@@ @@`, no ---/+++
lines, wrong line numbers) and lose the leading space of context lines. Line
numbers only ever serve as a hint: each hunk becomes a DIFF edit whose search is
its old side and whose replace is its new side, located by content when applied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from unidiff.constants import LINE_TYPE_NO_NEWLINE
from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchedFile, PatchSet

from bot.core.models import EditKind, FileEdit

DEV_NULL = "/dev/null"
_HUNK_START = re.compile(r"^@@\s*-?(\d+)?")
_PREAMBLE = (
    "index ",
    "new file mode",
    "deleted file mode",
    "old mode",
    "new mode",
    "similarity index",
    "rename from",
    "rename to",
    "Index: ",
    "====",
)


@dataclass
class _Hunk:
    hint: int | None
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    trailing_blank: int = 0  # empty raw lines at the end: blank context or stray spacing

    last_sides: tuple[list[str], ...] = ()  # the sides the previous line went to

    def add(self, old: str | None, new: str | None, *, blank: bool = False) -> None:
        if old is not None:
            self.old.append(old)
        if new is not None:
            self.new.append(new)
        self.last_sides = tuple(
            side for side, line in ((self.old, old), (self.new, new)) if line is not None
        )
        self.trailing_blank = self.trailing_blank + 1 if blank else 0

    def drop_final_newline(self) -> None:
        """`\\ No newline at end of file`: about the line just before it, on its side only."""
        for side in self.last_sides:
            if side and side[-1].endswith("\n"):
                side[-1] = side[-1][:-1]

    def trimmed(self) -> tuple[list[str], list[str]]:
        cut = self.trailing_blank
        return (self.old[: len(self.old) - cut], self.new[: len(self.new) - cut])


@dataclass
class _FileDiff:
    old_path: str = ""
    new_path: str = ""
    hunks: list[_Hunk] = field(default_factory=list)


def looks_like_diff(lines: Sequence[str]) -> bool:
    first = next((line for line in lines if line.strip()), "")
    return first.startswith(("--- ", "diff --git ", "@@", "Index: "))


def strip_header_path(raw: str) -> str:
    path = raw.split("\t", 1)[0].strip().strip('"')
    if path != DEV_NULL and path[:2] in ("a/", "b/"):
        return path[2:]
    return path


def parse_diff(lines: Sequence[str], *, default_path: str) -> tuple[list[FileEdit], list[str]]:
    """Edits of one diff block; `default_path` names the file when the diff has no header."""
    files = _with_unidiff(lines) or _by_hand(lines)
    edits: list[FileEdit] = []
    problems: list[str] = []
    for file_diff in files:
        more, trouble = _to_edits(file_diff, default_path=default_path)
        edits.extend(more)
        problems.extend(trouble)
    if not edits and not problems:
        problems.append("a diff block has no hunk that changes anything")
    return edits, problems


def _with_unidiff(lines: Sequence[str]) -> list[_FileDiff] | None:
    """unidiff's reading, trusted only when it accounts for every line of the block.

    unidiff trusts hunk line counts: with counts too small it silently drops the
    rest of a hunk, so a reading that does not reproduce the text is discarded.
    """
    body = list(lines)
    while body and not body[-1].strip():
        body.pop()
    text = "".join(f"{line}\n" for line in body)
    try:
        patch = PatchSet(text)
    except UnidiffParseError:
        return None
    if not len(patch) or str(patch).splitlines() != body:
        return None
    return [_from_patched_file(patched) for patched in patch]


def _from_patched_file(patched: PatchedFile) -> _FileDiff:
    result = _FileDiff(old_path=str(patched.source_file), new_path=str(patched.target_file))
    for hunk in patched:
        converted = _Hunk(hint=int(hunk.source_start))
        for line in hunk:
            value = str(line.value)
            if line.line_type == LINE_TYPE_NO_NEWLINE:
                converted.drop_final_newline()
            elif line.is_context:
                converted.add(value, value)
            elif line.is_removed:
                converted.add(value, None)
            elif line.is_added:
                converted.add(None, value)
        result.hunks.append(converted)
    return result


def _by_hand(lines: Sequence[str]) -> list[_FileDiff]:
    files: list[_FileDiff] = [_FileDiff()]
    hunk: _Hunk | None = None
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _starts_file(line, following):
            if files[-1].hunks:
                files.append(_FileDiff())
            hunk = None
            _read_header(files[-1], line)
        elif line.startswith("+++ ") and hunk is None:
            files[-1].new_path = line[4:]
        elif line.startswith("@@"):
            match = _HUNK_START.match(line)
            hint = int(match.group(1)) if match and match.group(1) else None
            hunk = _Hunk(hint=hint)
            files[-1].hunks.append(hunk)
        elif hunk is None and line.startswith(_PREAMBLE):
            continue
        else:
            if hunk is None:  # a hunk without its @@ line
                hunk = _Hunk(hint=None)
                files[-1].hunks.append(hunk)
            _read_hunk_line(hunk, line)
    return [file_diff for file_diff in files if file_diff.hunks]


def _starts_file(line: str, following: str) -> bool:
    return line.startswith("diff --git ") or (
        line.startswith("--- ") and following.startswith("+++ ")
    )


def _read_header(file_diff: _FileDiff, line: str) -> None:
    if line.startswith("--- "):
        file_diff.old_path = line[4:]
        return
    parts = line.split()
    if len(parts) >= 4:
        file_diff.old_path, file_diff.new_path = parts[2], parts[3]


def _read_hunk_line(hunk: _Hunk, line: str) -> None:
    if line.startswith("\\"):
        hunk.drop_final_newline()
    elif line.startswith("+"):
        hunk.add(None, line[1:] + "\n")
    elif line.startswith("-"):
        hunk.add(line[1:] + "\n", None)
    elif line.startswith(" "):
        hunk.add(line[1:] + "\n", line[1:] + "\n")
    elif not line.strip():
        hunk.add("\n", "\n", blank=True)
    else:  # a context line that lost its leading space: keep it whole
        hunk.add(line + "\n", line + "\n")


def _to_edits(file_diff: _FileDiff, *, default_path: str) -> tuple[list[FileEdit], list[str]]:
    old_path = strip_header_path(file_diff.old_path) if file_diff.old_path else ""
    new_path = strip_header_path(file_diff.new_path) if file_diff.new_path else ""
    if new_path == DEV_NULL:
        return [], [f"the diff deletes {old_path}; deleting files is not supported"]
    path = new_path or (old_path if old_path != DEV_NULL else "") or default_path
    creating = old_path == DEV_NULL
    edits: list[FileEdit] = []
    for hunk in file_diff.hunks:
        old, new = hunk.trimmed()
        if old == new:
            continue
        edits.append(
            FileEdit(
                path=path,
                kind=EditKind.DIFF,
                search="" if creating else "".join(old),
                replace="".join(new),
                hint_line=None if creating else hunk.hint,
            )
        )
    return edits, []
