"""Finding the code a failure points at, from tracebacks and the failing test's calls.

This is the simple localizer: traceback frames in the repository, the failing test's
body, and the definitions of what the test calls. The repository-knowledge
localizer (Chroma, BM25, spectrum) plugs in behind the same `Localizer` protocol.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.core.history import Culprit
from bot.core.models import LocalizerMethod
from bot.core.results import CodeSpan, TestCase
from bot.core.sourcefiles import is_test_path, python_files, read_source
from bot.stages.ingest.tracebacks import frames_in_repo, parse_frames
from bot.stages.localize.culprit_spans import culprit_ranked
from bot.stages.reproduce.testrun import source_of_test

if TYPE_CHECKING:
    from bot.stages.reproduce.suite import Suite

FRAME_SCORE = 1.0
CALLEE_SCORE = 0.8
TEST_SCORE = 0.3


TRACEBACK_ONLY = LocalizerMethod("traceback", ("traceback", "test_calls"))


@dataclass(frozen=True)
class Localization:
    spans: tuple[CodeSpan, ...]
    confidence: float  # 0..1: how sure we are the faulty code is among the spans
    method: LocalizerMethod = TRACEBACK_ONLY
    # By path, the functions the failing tests ran, when coverage measured it (else None).
    reached: Mapping[str, frozenset[str]] | None = None


def describe(method: LocalizerMethod) -> str:
    """One line for the terminal and the logs: `hybrid (traceback, bm25, ...) over chroma ...`."""
    signals = f" ({', '.join(method.signals)})" if method.signals else ""
    index = f" over {method.index}, {method.chunks} chunks" if method.index else ""
    return f"{method.name} localizer{signals}{index}"


class Localizer(Protocol):
    def localize(
        self,
        failures: Sequence[TestCase],
        *,
        repo: Path,
        suite: Suite | None = None,
        culprit: Culprit | None = None,
    ) -> Localization:
        """Rank the code behind `failures`; `suite` runs tests in the sandbox (for coverage);
        `culprit` is the commit that broke them, when known: its changed lines count most."""


def enclosing_definition(tree: ast.Module, line: int) -> ast.AST | None:
    """The innermost function (else class) whose lines contain `line`."""
    best: ast.AST | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            end = node.end_lineno or node.lineno
            if start <= line <= end and (best is None or start >= _start(best)):
                best = node
    return best


def _start(node: ast.AST) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    line: int = getattr(node, "lineno", 0)
    return min([line, *(d.lineno for d in decorators)])


def _span(path: str, text: str, node: ast.AST, *, score: float, why: str) -> CodeSpan:
    lines = text.splitlines()
    start, end = _start(node), getattr(node, "end_lineno", None) or _start(node)
    return CodeSpan(
        path=path,
        start=start,
        end=end,
        text="\n".join(lines[start - 1 : end]),
        score=score,
        why=(why,),
        symbol=getattr(node, "name", ""),
    )


def _parse(repo: Path, path: str) -> tuple[str, ast.Module] | None:
    text = read_source(repo, path)
    if text is None:
        return None
    try:
        return text, ast.parse(text)
    except SyntaxError:
        return None


def frame_spans(case: TestCase, repo: Path) -> Iterator[CodeSpan]:
    """Definitions on the failure's stack, innermost (most suspicious) first."""
    frames = frames_in_repo(parse_frames(case.traceback), repo)
    for depth, frame in enumerate(reversed(frames)):
        parsed = _parse(repo, frame.path)
        node = enclosing_definition(parsed[1], frame.line) if parsed else None
        if parsed and node is not None:
            why = f"traceback frame {frame.path}:{frame.line}"
            score = TEST_SCORE if is_test_path(frame.path) else FRAME_SCORE - 0.05 * depth
            yield _span(frame.path, parsed[0], node, score=score, why=why)


def _test_function(tree: ast.Module, name: str) -> ast.AST | None:
    base = name.split("[", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == base:
            return node
    return None


def _called_names(node: ast.AST) -> list[str]:
    names: list[str] = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name and name not in names:
                names.append(name)
    return names


def definitions_named(repo: Path, names: Sequence[str]) -> Iterator[tuple[str, str, ast.AST]]:
    """(path, text, node) of every non-test top-level or class-level definition in `names`."""
    wanted = set(names)
    for path in python_files(repo):
        if is_test_path(path):
            continue
        parsed = _parse(repo, path)
        if parsed is None:
            continue
        for node in ast.walk(parsed[1]):
            definition = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if definition and getattr(node, "name", "") in wanted:
                yield path, parsed[0], node


def spans_from_test(case: TestCase, repo: Path) -> Iterator[CodeSpan]:
    """The failing test itself, then what it calls."""
    path = source_of_test(case, repo)
    parsed = _parse(repo, path) if path else None
    node = _test_function(parsed[1], case.name) if parsed else None
    if path is None or parsed is None or node is None:
        return
    yield _span(path, parsed[0], node, score=TEST_SCORE, why=f"failing test {case.name}")
    called = _called_names(node)
    for callee_path, text, definition in definitions_named(repo, called):
        rank = called.index(getattr(definition, "name", ""))
        score = CALLEE_SCORE - 0.01 * rank
        yield _span(callee_path, text, definition, score=score, why=f"called by {case.name}")


def merge_spans(spans: Sequence[CodeSpan]) -> tuple[CodeSpan, ...]:
    """One span per (path, start): keep the best score and every reason."""
    merged: dict[tuple[str, int], CodeSpan] = {}
    for span in spans:
        key = (span.path, span.start)
        if key in merged:
            old = merged[key]
            why = tuple(dict.fromkeys([*old.why, *span.why]))
            best = old if old.score >= span.score else span
            merged[key] = CodeSpan(
                best.path,
                best.start,
                best.end,
                best.text,
                score=max(old.score, span.score) + 0.1,
                why=why,
                symbol=best.symbol,
            )
        else:
            merged[key] = span
    return tuple(sorted(merged.values(), key=lambda s: (-s.score, s.path, s.start)))


class TracebackLocalizer:
    """Frames, the failing tests and their callees; confidence from what was found."""

    def localize(
        self,
        failures: Sequence[TestCase],
        *,
        repo: Path,
        suite: Suite | None = None,
        culprit: Culprit | None = None,
    ) -> Localization:
        found: list[CodeSpan] = []
        for case in failures:
            found.extend(frame_spans(case, repo))
            found.extend(spans_from_test(case, repo))
        spans = tuple(culprit_ranked(merge_spans(found), culprit, repo=repo))
        suspects = [span for span in spans if not is_test_path(span.path)]
        if not suspects:
            confidence = 0.2 if spans else 0.0
        else:
            confidence = 0.9 if any("traceback" in w for s in suspects for w in s.why) else 0.7
        return Localization(spans=spans, confidence=confidence)
