"""Cutting source files into chunks at function, method and class granularity.

A file becomes an outline (definitions with their line ranges, containers with
members); `chunks_from_outline` turns any language's outline into chunks: one per
function or method, and one per run of lines a container holds outside its
members (a class header and attributes, a module's imports and constants).
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

MODULE_SYMBOL = "<module>"
_BRACKETS_ONLY = re.compile(r"[\s{}()\[\];,]*")
LANGUAGE_BY_SUFFIX = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".java": "java",
    ".go": "go",
}


def language_of(path: str) -> str | None:
    return LANGUAGE_BY_SUFFIX.get(PurePosixPath(path).suffix.lower())


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A contiguous, 1-based inclusive line range of one file, named by its symbol."""

    path: str
    symbol: str
    kind: str  # function | method | class | module | file
    start: int
    end: int
    text: str
    language: str

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    @property
    def chunk_id(self) -> str:
        """Stable across line moves: the same code under the same name keeps its id."""
        key = f"{self.path}\0{self.symbol}\0{self.kind}\0{self.content_hash}"
        return hashlib.sha256(key.encode("utf-8", errors="replace")).hexdigest()[:40]

    @property
    def name(self) -> str:
        """The last part of the symbol: `Parser.parse` -> `parse`."""
        return self.symbol.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Definition:
    """One node of a file's outline. Containers (classes) chunk their members apart."""

    symbol: str
    kind: str
    start: int
    end: int
    members: tuple[Definition, ...] = field(default=())
    container: bool = False


def chunks_from_outline(
    path: str, text: str, outline: Sequence[Definition], *, language: str
) -> list[Chunk]:
    lines = text.split("\n")
    root = Definition(MODULE_SYMBOL, "module", 1, len(lines), tuple(outline), container=True)
    chunks = _container_chunks(path, lines, root, language=language)
    return sorted(chunks, key=lambda chunk: (chunk.start, chunk.end))


def _container_chunks(
    path: str, lines: Sequence[str], node: Definition, *, language: str
) -> list[Chunk]:
    chunks: list[Chunk] = []
    covered: set[int] = set()
    for member in node.members:
        covered.update(range(member.start, member.end + 1))
        if member.container:
            chunks.extend(_container_chunks(path, lines, member, language=language))
        else:
            chunks.append(_chunk(path, lines, member, language=language))
    for start, end in _uncovered_runs(lines, node, covered):
        gap = Definition(node.symbol, node.kind, start, end)
        chunks.append(_chunk(path, lines, gap, language=language))
    return chunks


def _uncovered_runs(
    lines: Sequence[str], node: Definition, covered: set[int]
) -> list[tuple[int, int]]:
    """Runs of the container's lines outside its members, without blank edges."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for number in range(node.start, node.end + 2):
        inside = number <= node.end and number not in covered
        if inside and start is None:
            start = number
        elif not inside and start is not None:
            runs.append((start, number - 1))
            start = None
    trimmed = (_trim_blank(lines, first, last) for first, last in runs)
    return [run for run in trimmed if run is not None]


def _trim_blank(lines: Sequence[str], first: int, last: int) -> tuple[int, int] | None:
    """The run without blank lines at its edges; None if nothing but brackets is left."""
    while first <= last and not lines[first - 1].strip():
        first += 1
    while last >= first and not lines[last - 1].strip():
        last -= 1
    if all(_BRACKETS_ONLY.fullmatch(line) for line in lines[first - 1 : last]):
        return None  # a class's closing `}`
    return first, last


def _chunk(path: str, lines: Sequence[str], node: Definition, *, language: str) -> Chunk:
    text = "\n".join(lines[node.start - 1 : node.end])
    return Chunk(path, node.symbol, node.kind, node.start, node.end, text, language)


def whole_file_chunk(path: str, text: str, *, language: str) -> Chunk:
    last = max(1, len(text.rstrip("\n").split("\n")))
    symbol = PurePosixPath(path).name
    return Chunk(path, symbol, "file", 1, last, text.rstrip("\n"), language)


# Python, with the standard library's parser.

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def python_outline(tree: ast.Module) -> list[Definition]:
    return _python_members(tree.body, prefix="", in_class=False)


def _python_members(body: Sequence[ast.stmt], *, prefix: str, in_class: bool) -> list[Definition]:
    members: list[Definition] = []
    for node in body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        end = node.end_lineno or node.lineno
        if isinstance(node, _FUNCTIONS):
            kind = "method" if in_class else "function"
            members.append(Definition(prefix + node.name, kind, start, end))
        elif isinstance(node, ast.ClassDef):
            symbol = prefix + node.name
            inner = _python_members(node.body, prefix=symbol + ".", in_class=True)
            members.append(Definition(symbol, "class", start, end, tuple(inner), container=True))
    return members


def chunk_python(path: str, text: str) -> list[Chunk] | None:
    """Chunks of a Python file, or None when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    return chunks_from_outline(path, text, python_outline(tree), language="python")
