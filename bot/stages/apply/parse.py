"""Turning a model's answer into FileEdits, whatever mix of formats it chose.

Read in order of appearance: SEARCH/REPLACE blocks (fenced or not), unified
diffs (fenced as diff/patch, or bare `diff --git` / `---`+`+++` text), then
Python code blocks holding whole definitions. Prose is ignored; half-formed
blocks become problems, never exceptions.

Paths: what the text names (cleaned of `./`, decorations and diff prefixes,
and completed to a known path when the model gave only its tail); else, for
SEARCH/REPLACE and diffs, the previous edit's path; else the only non-test
file in `known_paths`. A whole-definition rewrite without a named file keeps
path "": the applier finds the file that defines the symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.languages.registry import language_of_fence
from bot.core.models import EditKind, FileEdit
from bot.core.paths import is_test_path
from bot.stages.apply.markdown import (
    Fence,
    find_fences,
    is_fence_line,
    path_from_line,
    path_in_fence_info,
    path_mentioned_in,
)
from bot.stages.apply.search_replace import closes_block, find_blocks, opens_block
from bot.stages.apply.unified import looks_like_diff, parse_diff
from bot.stages.apply.whole import PYTHON_LANGUAGES, parse_code_block

_DIFF_LANGUAGES = frozenset({"diff", "patch", "udiff"})
_DIFF_LINE_STARTS = (
    " ",
    "+",
    "-",
    "@@",
    "\\",
    "diff --git",
    "index ",
    "new file mode",
    "deleted file mode",
)


@dataclass(frozen=True)
class _Found:
    """Edits found at `line`; `inherits` when a missing path means 'the previous one'."""

    line: int
    edits: tuple[FileEdit, ...]
    inherits: bool


class _PathNamer:
    def __init__(self, known_paths: Sequence[str]) -> None:
        self.known = tuple(known_paths)
        sources = [path for path in self.known if not is_test_path(path)]
        self.only_source = sources[0] if len(sources) == 1 else ""

    def name(self, raw: str) -> str:
        path = raw.strip()
        while path.startswith("./"):
            path = path[2:]
        if not path or path in self.known:
            return path
        if path[:2] in ("a/", "b/") and path[2:] in self.known:
            return path[2:]
        tail = "/" + path.lstrip("/")
        completions = [known for known in self.known if known.endswith(tail)]
        return completions[0] if len(completions) == 1 else path


def parse_edits(
    text: str, *, known_paths: Sequence[str] = ()
) -> tuple[tuple[FileEdit, ...], tuple[str, ...]]:
    """The edits a model's answer asks for, and what could not be understood in it."""
    lines = text.splitlines()
    fences = find_fences(lines)
    blocks, problems = find_blocks(lines)
    found = [
        _Found(block.first_line, (_search_replace(block.path, block.search, block.replace),), True)
        for block in blocks
    ]
    taken = {i for block in blocks for i in range(block.first_line, block.last_line + 1)}
    free = [fence for fence in fences if not taken.intersection(_lines_of(fence))]
    diff_fences = [fence for fence in free if _is_diff_fence(lines, fence)]
    code_fences = [fence for fence in free if fence not in diff_fences]
    for fence in fences:
        taken.update(_lines_of(fence))
    diffs, diff_problems = _diffs(lines, diff_fences, taken=taken)
    code, code_problems = _code_blocks(lines, code_fences)
    found.extend([*diffs, *code])
    if not found and not fences and not problems:
        found, code_problems = _bare_code(lines)
    found.sort(key=lambda item: item.line)
    edits = _name_paths(found, namer=_PathNamer(known_paths))
    return edits, (*problems, *diff_problems, *code_problems)


def finished_part(text: str) -> str:
    """An answer the server cut at its token limit, without the block the cut interrupted
    (an unclosed fence, a SEARCH without its REPLACE): what was cut is never applied, even
    when its first lines happen to parse."""
    lines = text.splitlines(keepends=True)
    bare = [line.rstrip("\r\n") for line in lines]
    unclosed = [fence.start for fence in find_fences(bare) if fence.end == len(lines)]
    end = unclosed[0] if unclosed else len(lines)
    opened = [i for i in range(end) if opens_block(bare[i])]
    closed = [i for i in range(end) if closes_block(bare[i])]
    if opened and (not closed or opened[-1] > closed[-1]):
        end = opened[-1]
    return "".join(lines[:end])


def _search_replace(path: str, search: str, replace: str) -> FileEdit:
    return FileEdit(path=path, kind=EditKind.SEARCH_REPLACE, search=search, replace=replace)


def _lines_of(fence: Fence) -> range:
    return range(fence.start, fence.end + 1)


def _is_diff_fence(lines: Sequence[str], fence: Fence) -> bool:
    if fence.language in _DIFF_LANGUAGES:
        return True
    return looks_like_diff([lines[index] for index in fence.body])


def _named_before(lines: Sequence[str], index: int) -> str:
    """The file named on the nearest non-blank line above line `index`, or ""."""
    for cursor in range(index - 1, -1, -1):
        line = lines[cursor]
        if line.strip():
            if is_fence_line(line):
                return ""
            return path_from_line(line) or path_mentioned_in(line) or ""
    return ""


def _diffs(
    lines: Sequence[str], fences: Sequence[Fence], *, taken: set[int]
) -> tuple[list[_Found], list[str]]:
    regions = [(fence.start, list(fence.body)) for fence in fences]
    regions.extend(_bare_diff_regions(lines, taken=taken))
    found: list[_Found] = []
    problems: list[str] = []
    for start, body in regions:
        edits, trouble = parse_diff(
            [lines[index] for index in body], default_path=_named_before(lines, start)
        )
        found.append(_Found(start, tuple(edits), True))
        problems.extend(f"line {start + 1}: {problem}" for problem in trouble)
    return found, problems


def _bare_diff_regions(lines: Sequence[str], *, taken: set[int]) -> list[tuple[int, list[int]]]:
    """Unfenced diffs: from a file header to the first line a diff cannot contain."""
    regions: list[tuple[int, list[int]]] = []
    index = 0
    while index < len(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        header = lines[index].startswith("diff --git ") or (
            lines[index].startswith("--- ") and following.startswith("+++ ")
        )
        if index in taken or not header:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and end not in taken and _diffish(lines, end):
            end += 1
        regions.append((index, list(range(index, end))))
        index = end
    return regions


def _diffish(lines: Sequence[str], index: int) -> bool:
    line = lines[index]
    if not line.strip():  # a blank context line, if the diff goes on after it
        return index + 1 < len(lines) and lines[index + 1].startswith(_DIFF_LINE_STARTS)
    return line.startswith(_DIFF_LINE_STARTS)


def _code_blocks(lines: Sequence[str], fences: Sequence[Fence]) -> tuple[list[_Found], list[str]]:
    found: list[_Found] = []
    problems: list[str] = []
    for fence in fences:
        info_path = path_in_fence_info(fence.info) or ""
        python = fence.language in PYTHON_LANGUAGES or info_path.endswith(".py")
        body = [lines[index] for index in fence.body]
        first = body[0].lstrip() if body else ""
        named_inside = path_from_line(first) if first.startswith(("#", "//")) else None
        path = info_path or named_inside or _named_before(lines, fence.start)
        if not python and fence.language:
            problems.extend(_code_in_another_language(fence, path=path))
            continue
        edits, trouble = parse_code_block(body, path=path, line=fence.start + 1, labelled=python)
        found.append(_Found(fence.start, tuple(edits), False))
        problems.extend(trouble)
    return found, problems


def _code_in_another_language(fence: Fence, *, path: str) -> list[str]:
    """A block of code in a language redfix knows, named for a file, that is neither a
    SEARCH/REPLACE block nor a diff: said, so the next question asks for one of those."""
    language = language_of_fence(fence.language)
    if language is None or language.name == "python" or not path:
        return []
    return [
        f"line {fence.start + 1}: the {fence.language} block for {path} is neither a "
        "SEARCH/REPLACE block nor a diff; only those change a file in this language"
    ]


def _bare_code(lines: Sequence[str]) -> tuple[list[_Found], list[str]]:
    """An answer that is nothing but Python (no fences): read it as one code block."""
    edits, problems = parse_code_block(lines, path="", line=0, labelled=False)
    return ([_Found(0, tuple(edits), False)] if edits else []), problems


def _name_paths(found: Sequence[_Found], *, namer: _PathNamer) -> tuple[FileEdit, ...]:
    named: list[FileEdit] = []
    previous = ""
    for item in found:
        for edit in item.edits:
            path = namer.name(edit.path)
            if not path and item.inherits:
                path = previous or namer.only_source
            if path:
                previous = path
            named.append(replace(edit, path=path))
    return tuple(named)
