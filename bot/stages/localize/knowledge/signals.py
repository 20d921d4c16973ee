"""Rankings of a snapshot's chunks from one kind of evidence each.

Every signal ranks only non-test chunks (the code a fix should change); the
failing tests themselves are shown to the model as context, not as suspects. A test
function outside the test folders (FastAPI's documentation tutorials carry their own) is
test code too: redfix never changes tests, so it is never a suspect.
"""

from __future__ import annotations

import ast
import bisect
import functools
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path, PurePosixPath

import numpy as np

from bot.core.chunks import Chunk
from bot.core.results import TestCase
from bot.core.sourcefiles import is_test_path
from bot.stages.ingest.tracebacks import frames_in_repo, parse_frames
from bot.stages.localize.knowledge.embedding import embedding_text
from bot.stages.localize.knowledge.fusion import Ranking
from bot.stages.localize.knowledge.lexical import LexicalIndex
from bot.stages.localize.knowledge.spectrum import Spectrum, repo_relative
from bot.stages.reproduce.testrun import node_id

MAX_TRACEBACK_CHARS = 6000
TEST_SUPPORT_STEMS = frozenset({"testing", "testutils", "test_utils", "testlib"})
CALL_DEPTH_DECAY = 0.3
# A line only a test module's import ran is shared set-up, weaker evidence than a line a
# failing test ran itself: it ranks below the lines the failing tests ran as often.
IMPORT_DISCOUNT = 0.5


def is_test_chunk(chunk: Chunk) -> bool:
    if is_test_path(chunk.path):
        return True
    return chunk.kind in ("function", "method") and (
        chunk.name == "test" or chunk.name.startswith("test_")
    )


def is_test_support(path: str) -> bool:
    """A project's own test harness (`tornado/testing.py`, `pkg/testing/...`): library code,
    but its failure paths run only when a test fails, so every signal points at it."""
    where = PurePosixPath(path)
    return where.stem in TEST_SUPPORT_STEMS or "testing" in where.parts[:-1]


def chunk_key(chunk: Chunk) -> str:
    return f"{chunk.path}:{chunk.start}"


class ChunkTable:
    """A snapshot's chunks with the lookups the signals need."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = tuple(chunks)
        self.by_key = {chunk_key(c): c for c in self.chunks}
        self._by_path: dict[str, list[Chunk]] = {}
        self._by_name: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            self._by_path.setdefault(chunk.path, []).append(chunk)
            if chunk.kind in ("function", "method", "class"):
                self._by_name.setdefault(chunk.name, []).append(chunk)
        for listed in self._by_path.values():
            listed.sort(key=lambda c: c.start)
        self._starts = {path: [c.start for c in cs] for path, cs in self._by_path.items()}

    @cached_property
    def suspects(self) -> tuple[Chunk, ...]:
        return tuple(c for c in self.chunks if not is_test_chunk(c))

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex([embedding_text(c) for c in self.suspects])

    def at(self, path: str, line: int) -> Chunk | None:
        chunks = self._by_path.get(path)
        if not chunks:
            return None
        index = bisect.bisect_right(self._starts[path], line) - 1
        if index >= 0 and chunks[index].start <= line <= chunks[index].end:
            return chunks[index]
        return None

    def in_file(self, path: str) -> Sequence[Chunk]:
        return self._by_path.get(path, ())

    def named(self, name: str) -> Sequence[Chunk]:
        return self._by_name.get(name, ())

    @property
    def paths(self) -> set[str]:
        return set(self._by_path)


def _ranking(signal: str, scored: dict[str, float]) -> Ranking:
    order = sorted(scored, key=lambda key: -scored[key])  # stable: ties keep first-seen order
    return Ranking(signal, tuple(order), tuple(scored[key] for key in order))


def traceback_ranking(failures: Sequence[TestCase], table: ChunkTable, *, repo: Path) -> Ranking:
    """Definitions on the failures' stacks, innermost first, summed over failures."""
    scored: dict[str, float] = {}
    for case in failures:
        text = f"{case.message}\n{case.traceback}"[-MAX_TRACEBACK_CHARS:]
        frames = frames_in_repo(parse_frames(text), repo)
        depth = 0
        for frame in reversed(frames):
            chunk = table.at(frame.path, frame.line)
            if chunk is None or is_test_chunk(chunk):
                continue
            key = chunk_key(chunk)
            scored[key] = scored.get(key, 0.0) + 1.0 / (1 + depth)
            depth += 1
    return _ranking("traceback", scored)


def failing_test_chunk(case: TestCase, table: ChunkTable, *, repo: Path) -> Chunk | None:
    """The failing test's own definition, found through its pytest node id."""
    identifier = node_id(case, repo)
    if identifier is None:
        return None
    path, *names = identifier.split("::")
    qualname = ".".join(names).split("[", 1)[0]
    matches = [c for c in table.in_file(path) if c.symbol == qualname]
    if not matches and names:
        short = names[-1].split("[", 1)[0]
        matches = [c for c in table.in_file(path) if c.name == short]
    return matches[0] if matches else None


def referenced_names(chunk: Chunk) -> list[str]:
    """Names a chunk calls, then names it mentions otherwise, in order of appearance."""
    try:
        tree = ast.parse(textwrap.dedent(chunk.text))
    except (SyntaxError, ValueError):
        return []
    called: list[str] = []
    mentioned: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called.append(_name_of(node.func))
        elif isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load):
            mentioned.append(_name_of(node))
    own = chunk.name
    return [n for n in dict.fromkeys([*called, *mentioned]) if n and n != own]


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _definitions(table: ChunkTable, names: Iterable[str]) -> Iterator[Chunk]:
    for name in names:
        for chunk in table.named(name):
            if is_test_chunk(chunk):
                continue
            yield chunk
            if chunk.kind == "class":  # `Parser(...)` runs `Parser.__init__`
                init = f"{chunk.symbol}.__init__"
                yield from (c for c in table.in_file(chunk.path) if c.symbol == init)


def call_ranking(tests: Sequence[Chunk], table: ChunkTable) -> Ranking:
    """What the failing tests call (in call order), then what those call."""
    scored: dict[str, float] = {}
    frontier: list[Chunk] = []
    for test in tests:
        for position, chunk in enumerate(_definitions(table, referenced_names(test))):
            key = chunk_key(chunk)
            if key not in scored:
                scored[key] = 1.0 / (1 + position)
                frontier.append(chunk)
    for caller in list(frontier):
        base = scored[chunk_key(caller)] * CALL_DEPTH_DECAY
        for position, chunk in enumerate(_definitions(table, referenced_names(caller))):
            scored.setdefault(chunk_key(chunk), base / (1 + position))
    return _ranking("test_calls", scored)


def culprit_ranking(lines: Mapping[str, Sequence[int]], table: ChunkTable) -> Ranking:
    """The suspect chunks the culprit commit changed, the most changed lines first."""
    scored: dict[str, float] = {}
    for path, numbers in lines.items():
        for line in numbers:
            chunk = table.at(path, line)
            if chunk is not None and not is_test_chunk(chunk):
                scored[chunk_key(chunk)] = scored.get(chunk_key(chunk), 0.0) + 1.0
    return _ranking("culprit", scored)


def bm25_ranking(query: str, table: ChunkTable, *, limit: int = 100) -> Ranking:
    scores = table.lexical.scores(query)
    best = np.argsort(-scores, kind="stable")[:limit]
    suspects = table.suspects
    scored = {chunk_key(suspects[i]): float(scores[i]) for i in best if scores[i] > 0}
    return _ranking("bm25", scored)


def spectrum_ranking(spectrum: Spectrum, table: ChunkTable) -> Ranking:
    """Chunks by their most suspicious line (Ochiai); more such lines break ties."""
    scored: dict[str, tuple[float, int]] = {}
    for chunk, score in _scored_lines(spectrum, table):
        key = chunk_key(chunk)
        best, count = scored.get(key, (0.0, 0))
        if score > best:
            scored[key] = (score, 1)
        elif score == best:
            scored[key] = (best, count + 1)
    order = sorted(scored, key=lambda key: (-scored[key][0], -scored[key][1], key))
    return Ranking("spectrum", tuple(order), tuple(scored[key][0] for key in order))


def _scored_lines(spectrum: Spectrum, table: ChunkTable) -> Iterator[tuple[Chunk, float]]:
    """Each suspect chunk's lines that a failing test ran, with their Ochiai. A line run
    only while a test module was imported counts for that module's tests, discounted, and
    only inside a function's body: an import also runs the `def` line of every function."""
    known = table.paths
    for raw_path in spectrum.lines.keys() | spectrum.collected.keys():
        path = repo_relative(raw_path, known)
        if path is None or is_test_path(path):
            continue
        by_test = spectrum.lines.get(raw_path, {})
        by_import = spectrum.collected.get(raw_path, {})
        for line in by_test.keys() | by_import.keys():
            chunk = table.at(path, line)
            if chunk is None or is_test_chunk(chunk):
                continue
            by_tests = by_test.get(line, frozenset())
            if by_tests & spectrum.failing:
                yield chunk, spectrum.score(by_tests)
            elif line in by_import and line >= body_start(chunk):
                yield chunk, IMPORT_DISCOUNT * spectrum.score(by_tests | by_import[line])


@functools.lru_cache(maxsize=4096)
def body_start(chunk: Chunk) -> int:
    """The first line of a function chunk's body; past the chunk's end for other chunks."""
    if chunk.kind not in ("function", "method"):
        return chunk.end + 1
    try:
        tree = ast.parse(textwrap.dedent(chunk.text))
    except (SyntaxError, ValueError):
        return chunk.end + 1
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return chunk.start + node.body[0].lineno - 1
    return chunk.end + 1
