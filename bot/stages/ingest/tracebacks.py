"""Stack frames out of failure text, and which of them belong to the repository.

`parse_frames` reads the traces that test runners print (CPython, pytest's long
and short formats, Node, Java/Kotlin, .NET, Go, Rust, Ruby, PHP) and returns the
frames outermost first, whatever order the runtime printed them in.
`frames_in_repo` keeps the frames whose file is part of the repository and
rewrites their paths relative to it, whichever machine or container ran the tests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.results import Frame

_PATH = r"(?:[A-Za-z]:[\\/])?[^\s:\"'()<>]+"
_PY_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>\S+))?')
# pytest long/short format: `path.py:12: in func`, `path.py:12: AssertionError`, `path.py:12: `
_PYTEST_FRAME = re.compile(
    rf"^\s*(?P<path>{_PATH}\.py):(?P<line>\d+):"
    r"(?: in (?P<func>\S+)| (?P<exc>[A-Za-z_][\w.]*)(?::.*)?)?\s*$"
)
_PY_DEF = re.compile(r"^\s*(?:>\s*)?(?:async\s+)?def\s+(?P<func>\w+)\s*\(")
_GO_LOG = re.compile(r"^\s*(?P<path>[\w./\\-]+\.go):(?P<line>\d+): ")
_GO_PANIC_FRAME = re.compile(r"^\t(?P<path>\S+\.go):(?P<line>\d+)(?: \+0x[0-9a-fA-F]+)?\s*$")
_GO_PANIC_FUNC = re.compile(r"^(?P<func>\S+?)(?:\[[^\]]*\])?\([^()]*\)\s*$")
_JAVA_FRAME = re.compile(
    r"^\s*at (?:[\w.-]+(?:@[\w.-]+)?/)?(?P<qual>[\w$.<>]+)"
    r"\((?P<file>[\w$-]+\.(?:java|kt|kts|scala|groovy|clj)):(?P<line>\d+)\)"
)
_DOTNET_FRAME = re.compile(r"^\s*at (?P<qual>[^(]+)\(.*\) in (?P<path>.+):line (?P<line>\d+)\s*$")
_RUST_PANIC = re.compile(r"panicked at (?:'.*?', )?(?P<path>[^\s:'\"]+\.rs):(?P<line>\d+):\d+")
_RUST_BACKTRACE_AT = re.compile(r"^\s+at (?P<path>\S+\.rs):(?P<line>\d+)(?::\d+)?\s*$")
_RUST_BACKTRACE_FUNC = re.compile(r"^\s*\d+: (?P<func>\S+)\s*$")
_JS_FRAME = re.compile(
    r"^\s*at (?:(?:async|new) )?(?:(?P<func>[^\s(][^(]*?) \()?"
    r"(?P<path>[^()\s][^()]*?):(?P<line>\d+):\d+\)?\s*$"
)
_RUBY_FRAME = re.compile(rf"^\s*(?P<path>{_PATH}\.rb):(?P<line>\d+):in [`'](?P<func>[^'`]*)'")
_PHP_FRAME = re.compile(
    r"^\s*(?:#\d+ )?(?P<path>(?:[A-Za-z]:[\\/]|/)\S+?\.(?:php|phpt|inc))"
    r"(?::(?P<line>\d+)|\((?P<pline>\d+)\)(?:: (?P<func>[^(\s]+))?)\s*$"
)
# A new exception or cause starts a new group of frames.
_GROUP_BREAK = re.compile(
    r"^\s*(?:Traceback \(most recent call last\)|Caused by:|During handling of the above"
    r"|The above exception was the direct cause|goroutine \d+|--- End of inner exception)"
)


@dataclass(frozen=True)
class _Found:
    frame: Frame
    innermost_first: bool


def parse_frames(text: str) -> tuple[Frame, ...]:
    """Every stack frame named in `text`, outermost first."""
    groups: list[list[_Found]] = []
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        if _GROUP_BREAK.match(line):
            groups.append([])
        found = _match_line(_Line(lines, index))
        if found is None or found.frame.line < 1:  # line 0 points at no source line
            continue
        if not groups or (groups[-1] and groups[-1][-1].innermost_first != found.innermost_first):
            groups.append([])
        groups[-1].append(found)
    frames: list[Frame] = []
    for group in groups:
        ordered = reversed(group) if group and group[0].innermost_first else iter(group)
        frames.extend(found.frame for found in ordered)
    return tuple(frames)


@dataclass(frozen=True)
class _Line:
    """One line of the text, with access to the lines before it."""

    lines: Sequence[str]
    index: int

    @property
    def text(self) -> str:
        return self.lines[self.index]

    @property
    def previous(self) -> str:
        return self.lines[self.index - 1] if self.index else ""


def _match_line(line: _Line) -> _Found | None:
    for matcher in _MATCHERS:
        found = matcher(line)
        if found is not None:
            return found
    return None


def _python(line: _Line) -> _Found | None:
    match = _PY_FRAME.match(line.text)
    if match:
        frame = Frame(match["path"], int(match["line"]), match["func"] or "")
        return _Found(frame, innermost_first=False)
    match = _PYTEST_FRAME.match(line.text)
    if match:
        function = match["func"] or _enclosing_def(line)
        return _Found(Frame(match["path"], int(match["line"]), function), innermost_first=False)
    return None


def _enclosing_def(line: _Line) -> str:
    """The function whose source pytest printed just above a `path:line:` location."""
    for earlier in reversed(line.lines[max(0, line.index - 200) : line.index]):
        if _PYTEST_FRAME.match(earlier):
            return ""
        match = _PY_DEF.match(earlier)
        if match:
            return match["func"]
    return ""


def _go(line: _Line) -> _Found | None:
    match = _GO_LOG.match(line.text)
    if match:
        return _Found(Frame(match["path"], int(match["line"])), innermost_first=False)
    match = _GO_PANIC_FRAME.match(line.text)
    if match:
        caller = _GO_PANIC_FUNC.match(line.previous)
        function = caller["func"].rsplit(".", 1)[-1] if caller else ""
        return _Found(Frame(match["path"], int(match["line"]), function), innermost_first=True)
    return None


def _java(line: _Line) -> _Found | None:
    match = _JAVA_FRAME.match(line.text)
    if match is None:
        return None
    qualified = match["qual"].split(".")
    method = qualified[-1]
    # The package is every lower-case leading part: `pkg.sub.Outer$Inner.method`.
    package = [part for part in qualified[:-2] if part[:1].islower() or part[:1] == "_"]
    path = "/".join([*package, match["file"]])
    return _Found(Frame(path, int(match["line"]), method), innermost_first=True)


def _dotnet(line: _Line) -> _Found | None:
    match = _DOTNET_FRAME.match(line.text)
    if match is None:
        return None
    method = match["qual"].strip().rsplit(".", 1)[-1]
    return _Found(Frame(match["path"].strip(), int(match["line"]), method), innermost_first=True)


def _rust(line: _Line) -> _Found | None:
    match = _RUST_PANIC.search(line.text)
    if match:
        return _Found(Frame(match["path"], int(match["line"])), innermost_first=False)
    match = _RUST_BACKTRACE_AT.match(line.text)
    if match:
        caller = _RUST_BACKTRACE_FUNC.match(line.previous)
        function = caller["func"].rsplit("::", 1)[-1] if caller else ""
        return _Found(Frame(match["path"], int(match["line"]), function), innermost_first=True)
    return None


def _javascript(line: _Line) -> _Found | None:
    match = _JS_FRAME.match(line.text)
    if match is None:
        return None
    path = match["path"].removeprefix("file://")
    return _Found(Frame(path, int(match["line"]), match["func"] or ""), innermost_first=True)


def _ruby(line: _Line) -> _Found | None:
    match = _RUBY_FRAME.match(line.text)
    if match is None:
        return None
    return _Found(Frame(match["path"], int(match["line"]), match["func"]), innermost_first=True)


def _php(line: _Line) -> _Found | None:
    match = _PHP_FRAME.match(line.text)
    if match is None:
        return None
    number = int(match["line"] or match["pline"])
    return _Found(Frame(match["path"], number, match["func"] or ""), innermost_first=True)


_MATCHERS = (_python, _java, _dotnet, _rust, _javascript, _go, _ruby, _php)

# Frames from these places are never the repository's code.
_FOREIGN = re.compile(
    r"(?:^|[\\/])(?:site-packages|dist-packages|node_modules|\.cargo[\\/]registry"
    r"|\.rustup|go[\\/]pkg[\\/]mod)(?:[\\/]|$)"
    r"|^<|^node:|^internal[\\/]|^/rustc/"
)
_STDLIB = re.compile(
    r"^(?:/usr(?:/local)?/lib/|/usr/local/go/src/|/opt/hostedtoolcache/)"
    r"|[\\/][Ll]ib[\\/]python\d(?:\.\d+)?[\\/]|^[A-Za-z]:[\\/].*[\\/]Lib[\\/]"
)
_SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
        "dist-packages",
    }
)
_MAX_INDEXED_FILES = 200_000


def frames_in_repo(frames: Sequence[Frame], repo_root: Path) -> tuple[Frame, ...]:
    """The frames whose file is in the repository, with repo-relative paths, in order."""
    locator = _RepoLocator(repo_root.resolve())
    kept: list[Frame] = []
    for frame in frames:
        if _is_foreign(frame.path):
            continue
        relative = locator.relative(frame.path)
        if relative is not None:
            kept.append(Frame(relative, frame.line, frame.function))
    return tuple(kept)


def _is_foreign(path: str) -> bool:
    if _FOREIGN.search(path):
        return True
    return bool(_STDLIB.search(path)) and _is_absolute(path)


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", path))


def _path_parts(path: str) -> list[str]:
    cleaned = path.removeprefix("file://").replace("\\", "/")
    cleaned = re.sub(r"^[A-Za-z]:/", "/", cleaned)
    return [part for part in cleaned.split("/") if part not in ("", ".")]


class _RepoLocator:
    """Maps a path from any machine to an existing file inside one repository."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._by_name: dict[str, list[str]] | None = None
        self._cache: dict[str, str | None] = {}

    def relative(self, path: str) -> str | None:
        if path not in self._cache:
            self._cache[path] = self._locate(path)
        return self._cache[path]

    def _locate(self, path: str) -> str | None:
        parts = _path_parts(path)
        root_parts = self._root.parts[1:]
        # A path on this machine, under the root itself.
        if path.startswith("/") and tuple(parts[: len(root_parts)]) == root_parts:
            inside = parts[len(root_parts) :]
            if inside and ".." not in inside and self._is_repo_file(inside):
                return "/".join(inside)
        # Else the longest suffix of the path that names a file under the root.
        for start in range(len(parts)):
            suffix = parts[start:]
            if ".." not in suffix and self._is_repo_file(suffix):
                return "/".join(suffix)
        return self._unique_file_ending_with(parts)

    def _is_repo_file(self, parts: Sequence[str]) -> bool:
        candidate = self._root.joinpath(*parts)
        try:
            return candidate.is_file() and candidate.resolve().is_relative_to(self._root)
        except OSError:
            return False

    def _unique_file_ending_with(self, parts: list[str]) -> str | None:
        """A repo file whose path ends with `parts` (a Java package path, a bare
        Go file name, a Rust crate-relative path), when exactly one does."""
        if not parts or ".." in parts:
            return None
        tail = "/" + "/".join(parts)
        matches = [p for p in self._index().get(parts[-1], []) if ("/" + p).endswith(tail)]
        if len(matches) == 1 and self._is_repo_file(matches[0].split("/")):
            return matches[0]
        return None

    def _index(self) -> dict[str, list[str]]:
        if self._by_name is None:
            self._by_name = {}
            for relative in _walk_files(self._root):
                self._by_name.setdefault(relative.rsplit("/", 1)[-1], []).append(relative)
        return self._by_name


def _walk_files(root: Path) -> Iterator[str]:
    count = 0
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRS)
        prefix = os.path.relpath(directory, root).replace(os.sep, "/")
        for name in files:
            count += 1
            if count > _MAX_INDEXED_FILES:
                return
            yield name if prefix == "." else f"{prefix}/{name}"
