"""Applying FileEdits to file contents, in memory.

Pure: files are read through the `read` callable the pipeline passes in and
the result is the new contents; nothing here touches the disk. Edits apply in
order and compose (the second edit of a file sees the first one's result).

What counts as applied: every edit located and changed its file, and each
changed Python file still parses (when it parsed before). A SEARCH/REPLACE or
diff edit that changes nothing is a failure; a rewritten function identical to
the current one is not (models restate unchanged helpers when they rewrite a
whole file), but a file left unchanged by all its edits is. `files` holds each
changed file that still parses; `failures` each edit or file that went wrong.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from bot.core.models import ApplyResult, EditFailure, EditKind, FileEdit
from bot.core.paths import is_test_path
from bot.stages.apply.matching import Located, locate, splice
from bot.stages.apply.refusal import Refusal
from bot.stages.apply.symbols import (
    IMPORTS_SYMBOL,
    add_imports,
    clearly_closest,
    defines,
    replace_definition,
    resemblance,
)

Reader = Callable[[str], str | None]


class _Workspace:
    """Current contents of the files being edited, read once each."""

    def __init__(self, read: Reader, *, known_paths: Sequence[str]) -> None:
        self._read = read
        self.known_paths = tuple(known_paths)
        self.original: dict[str, str | None] = {}
        self.current: dict[str, str | None] = {}
        self.shifts: dict[str, list[tuple[int, int]]] = {}
        self.failed: set[str] = set()
        self.touched: dict[str, None] = {}  # insertion-ordered set of the files edits aimed at
        self.last_function_path = ""

    def content(self, path: str) -> str | None:
        if path not in self.original:
            self.original[path] = self.current[path] = self._read(path)
        return self.current[path]

    def write(self, path: str, text: str, *, at_line: int = 0, delta: int = 0) -> None:
        self.current[path] = text
        self.shifts.setdefault(path, []).append((at_line, delta))

    def adjusted_hint(self, path: str, hint: int | None) -> int | None:
        """A diff hunk's line number, moved by the lines earlier edits added or removed above it."""
        if hint is None:
            return None
        for at_line, delta in self.shifts.get(path, []):
            if at_line < hint - 1:
                hint += delta
        return hint


def apply_edits(
    edits: Sequence[FileEdit],
    *,
    read: Callable[[str], str | None],
    known_paths: Sequence[str] = (),
) -> ApplyResult:
    """Apply `edits` in order; `known_paths` are the files an edit without a path may mean."""
    workspace = _Workspace(read, known_paths=known_paths)
    failures: list[EditFailure] = []
    for edit in edits:
        path = _misnamed_fix(edit, workspace) or edit.path or _path_for(edit, workspace)
        if isinstance(path, Refusal):
            failures.append(EditFailure("", path.reason, path.unmatched))
            continue
        workspace.touched[path] = None
        refusal = _apply_one(edit, path=path, workspace=workspace)
        if refusal is not None:
            workspace.failed.add(path)
            failures.append(EditFailure(path, refusal.reason, refusal.unmatched))
    files, final_failures = _settle(workspace)
    return ApplyResult(files=files, failures=(*failures, *final_failures))


def _apply_one(edit: FileEdit, *, path: str, workspace: _Workspace) -> Refusal | None:
    current = workspace.content(path)
    if edit.kind is EditKind.WHOLE_FUNCTION:
        return _apply_definition(edit, path=path, current=current, workspace=workspace)
    newline = _newline_of(current)
    search = edit.search.replace("\n", newline) if newline != "\n" else edit.search
    replacement = edit.replace.replace("\n", newline) if newline != "\n" else edit.replace
    if not search or (current is None and not search.strip()):
        return _apply_empty_search(
            edit, replacement, path=path, current=current, workspace=workspace
        )
    if current is None:
        return Refusal(f"{path} does not exist; to create it, use an empty SEARCH part")
    if search == replacement:
        return Refusal("the edit changes nothing: its SEARCH and REPLACE parts are identical")
    file_lines = current.splitlines(keepends=True)
    search_lines = search.splitlines(keepends=True)
    hint = workspace.adjusted_hint(path, edit.hint_line)
    place = locate(file_lines, search_lines, hint_line=hint)
    if isinstance(place, Refusal):
        return place
    return _write_spliced(
        path, workspace, file_lines, place, search_lines, replacement.splitlines(keepends=True)
    )


def _write_spliced(
    path: str,
    workspace: _Workspace,
    file_lines: list[str],
    place: Located,
    search_lines: list[str],
    replace_lines: list[str],
) -> Refusal | None:
    new_lines = splice(file_lines, place, search_lines=search_lines, replace_lines=replace_lines)
    if new_lines == file_lines:
        return Refusal("the edit changes nothing once matched to the file")
    workspace.write(
        path, "".join(new_lines), at_line=place.start, delta=len(new_lines) - len(file_lines)
    )
    return None


def _apply_empty_search(
    edit: FileEdit, replacement: str, *, path: str, current: str | None, workspace: _Workspace
) -> Refusal | None:
    if not replacement:
        return Refusal("the edit is empty: no SEARCH and no REPLACE text")
    if current is None or not current.strip():
        workspace.write(path, replacement)
        return None
    if edit.kind is EditKind.DIFF and edit.hint_line is not None:  # a pure insertion hunk
        lines = current.splitlines(keepends=True)
        at = min(max(workspace.adjusted_hint(path, edit.hint_line) or 0, 0), len(lines))
        if at and not lines[at - 1].endswith("\n"):
            lines[at - 1] += "\n"
        inserted = replacement.splitlines(keepends=True)
        workspace.write(
            path, "".join([*lines[:at], *inserted, *lines[at:]]), at_line=at, delta=len(inserted)
        )
        return None
    return Refusal(f"the SEARCH part is empty but {path} already exists; quote the lines to change")


def _apply_definition(
    edit: FileEdit, *, path: str, current: str | None, workspace: _Workspace
) -> Refusal | None:
    if current is None:
        return Refusal(f"{path} does not exist; to create it, use an empty SEARCH part")
    newline = _newline_of(current)
    replacement = edit.replace.replace("\n", newline) if newline != "\n" else edit.replace
    if edit.symbol == IMPORTS_SYMBOL:
        result = add_imports(current, replacement)
    else:
        result = replace_definition(current, edit.symbol, replacement=replacement)
        workspace.last_function_path = path
    if isinstance(result, Refusal):
        return Refusal(
            f"cannot rewrite {edit.symbol or 'the definition'}: {result.reason}", result.unmatched
        )
    if result != current:
        workspace.write(path, result)  # where it moved lines is unknown: hints stay as they are
    return None


def _newline_of(content: str | None) -> str:
    if content and "\r\n" in content and content.count("\r\n") == content.count("\n"):
        return "\r\n"
    return "\n"


def _path_for(edit: FileEdit, workspace: _Workspace) -> str | Refusal:
    """The file an edit without a path must mean, judged by the known files' contents."""
    if edit.kind is EditKind.WHOLE_FUNCTION and edit.symbol == IMPORTS_SYMBOL:
        return workspace.last_function_path or Refusal(
            "imports without a file to add them to; name the file"
        )
    holders, what = _holders_of(edit, workspace)
    return _choose_holder(edit, holders, workspace=workspace, what=what)


def _misnamed_fix(edit: FileEdit, workspace: _Workspace) -> str:
    """The one known file an edit of existing code fits, when the file it names does not
    exist (the model recalled `scrapy/downloader/middleware.py` for the file it was shown)."""
    if edit.kind is EditKind.WHOLE_FUNCTION:
        changes_code = edit.symbol != IMPORTS_SYMBOL
    else:
        changes_code = bool(edit.search.strip())
    if not edit.path or not changes_code or workspace.content(edit.path) is not None:
        return ""
    sources = _likeliest(edit, _holders_of(edit, workspace)[0], workspace=workspace)
    return sources[0] if len(sources) == 1 else ""


def _holders_of(edit: FileEdit, workspace: _Workspace) -> tuple[list[str], str]:
    """The known files holding what `edit` changes, and how to say so."""
    if edit.kind is EditKind.WHOLE_FUNCTION:
        holders = _holders(workspace, lambda text: defines(text, edit.symbol), python=True)
        return holders, f"{edit.symbol} is defined"
    search_lines = edit.search.splitlines(keepends=True)
    holders = _holders(
        workspace,
        lambda text: isinstance(
            locate(text.splitlines(keepends=True), search_lines, hint_line=None), Located
        ),
        python=False,
    )
    return holders, "the SEARCH text is found"


def _holders(workspace: _Workspace, holds: Callable[[str], bool], *, python: bool) -> list[str]:
    candidates = [p for p in workspace.known_paths if p.endswith(".py") or not python]
    return [path for path in candidates if (text := workspace.content(path)) and holds(text)]


def _choose_holder(
    edit: FileEdit, holders: list[str], *, workspace: _Workspace, what: str
) -> str | Refusal:
    sources = _likeliest(edit, holders, workspace=workspace)
    if len(sources) == 1:
        return sources[0]
    if len(sources) > 1:
        return Refusal(f"{what} in several files ({', '.join(sources)}); name the file")
    if edit.kind is EditKind.WHOLE_FUNCTION:  # a new helper: next to the last rewrite
        fallback = workspace.last_function_path or _only_source(workspace.known_paths)
        if fallback:
            return fallback
    return Refusal(f"{what} in none of the known files; name the file the edit is for")


def _likeliest(edit: FileEdit, holders: list[str], *, workspace: _Workspace) -> list[str]:
    """Source files before tests; among several definitions, the one clearly resembled."""
    sources = [path for path in holders if not is_test_path(path)] or holders
    if len(sources) > 1 and edit.kind is EditKind.WHOLE_FUNCTION:
        return _closest_definition(edit, sources, workspace=workspace)
    return sources


def _closest_definition(
    edit: FileEdit, holders: list[str], *, workspace: _Workspace
) -> list[str]:
    """The one file whose definition the rewrite clearly resembles most (modules that all
    define `match` say nothing by the name alone), else all of them."""
    closest = clearly_closest(
        holders, lambda path: resemblance(workspace.content(path) or "", edit.symbol, edit.replace)
    )
    return [closest] if closest is not None else holders


def _only_source(known_paths: Sequence[str]) -> str:
    sources = [p for p in known_paths if p.endswith(".py") and not is_test_path(p)]
    return sources[0] if len(sources) == 1 else ""


def _settle(workspace: _Workspace) -> tuple[dict[str, str], list[EditFailure]]:
    files: dict[str, str] = {}
    failures: list[EditFailure] = []
    for path in workspace.touched:
        text, before = workspace.current[path], workspace.original[path]
        if text is None or text == before:
            if path not in workspace.failed:
                failures.append(
                    EditFailure(
                        path, f"the edits leave {path} unchanged: the code shown is already there"
                    )
                )
            continue
        broken = _syntax_problem(path, text, before=before)
        if broken is not None:
            failures.append(broken)
            continue
        files[path] = text
    return files, failures


def _syntax_problem(path: str, text: str, *, before: str | None) -> EditFailure | None:
    if not path.endswith(".py"):
        return None
    try:
        ast.parse(text)
    except SyntaxError as exc:
        if before is not None and not _parses(before):
            return None  # it did not parse before either: not this edit's doing
        line = (
            text.splitlines()[exc.lineno - 1]
            if exc.lineno and exc.lineno <= len(text.splitlines())
            else ""
        )
        return EditFailure(
            path,
            f"after the edits {path} no longer parses: {exc.msg} (line {exc.lineno})",
            unmatched=line,
        )
    return None


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True
