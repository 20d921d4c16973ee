"""The culprit's changed lines in the traceback localizer's ranking.

Decided: a span the failing path reached (a traceback frame, a function the failing
test calls) that the culprit changed ranks first; so do the definitions the culprit
changed when its diff is small (at most SMALL_DIFF_LINES lines): then the change
itself is the best suspect. The definitions of a larger diff join below the failing
path's spans: a large change names many places, most of them innocent.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from bot.core.history import Culprit
from bot.core.results import CodeSpan
from bot.core.sourcefiles import is_test_path, read_source

SMALL_DIFF_LINES = 20
CHANGED_SCORE = 0.5  # below a called function (0.8), above the failing test (0.3)


def _overlaps(span: CodeSpan, lines: Sequence[int]) -> bool:
    return any(span.start <= line <= span.end for line in lines)


def culprit_ranked(
    spans: Sequence[CodeSpan], culprit: Culprit | None, *, repo: Path
) -> list[CodeSpan]:
    """`spans` with the culprit's: changed spans on the failing path first, then (small
    diff) or later (large diff) the definitions it changed that the path missed."""
    if culprit is None:
        return list(spans)
    tag = f"changed by the culprit {culprit.commit.short}"
    small = culprit.changed_lines <= SMALL_DIFF_LINES
    # Scores grow with every failing test that reaches a span: "first" is above them all.
    first = 1.0 + max((span.score for span in spans), default=1.0)
    ranked: list[CodeSpan] = []
    for span in spans:
        changed = culprit.lines.get(span.path, ())
        if changed and not is_test_path(span.path) and _overlaps(span, changed):
            span = replace(span, score=first + span.score, why=(*span.why, tag))
        ranked.append(span)
    for found in changed_definitions(culprit, repo=repo):
        if not any(s.path == found.path and s.start == found.start for s in ranked):
            score = first if small else CHANGED_SCORE
            ranked.append(replace(found, score=score, why=(tag,)))
    return sorted(ranked, key=lambda s: (-s.score, s.path, s.start))


def changed_definitions(culprit: Culprit, *, repo: Path) -> Iterator[CodeSpan]:
    """The innermost function or class around each changed line of a Python source file."""
    for path, lines in culprit.lines.items():
        text = read_source(repo, path) if path.endswith(".py") else None
        if text is None or is_test_path(path):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        rows = text.splitlines()
        seen: set[int] = set()
        for line in lines:
            node = _innermost(tree, line)
            if node is None or node.lineno in seen:
                continue
            seen.add(node.lineno)
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            end = node.end_lineno or node.lineno
            yield CodeSpan(path, start, end, "\n".join(rows[start - 1 : end]), 0.0,
                           symbol=node.name)


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _innermost(tree: ast.Module, line: int) -> Definition | None:
    best: Definition | None = None
    for node in ast.walk(tree):
        if not isinstance(node, Definition):
            continue
        inside = node.lineno <= line <= (node.end_lineno or 0)
        if inside and (best is None or node.lineno >= best.lineno):
            best = node
    return best
