"""A test file as the frozen-tests rule reads it: its syntax tree and its tokens.

Holds `FrozenChange` (what the rule reports), `_Source` (the tokens of any node of
the file, comments and layout left out) and the helpers that read a file and show
its code.
"""

from __future__ import annotations

import ast
import io
import tokenize
from bisect import bisect_left
from dataclasses import dataclass

_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
_Position = tuple[int, int]
_Tokens = tuple[tuple[int, str], ...]

_LAYOUT = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
)


@dataclass(frozen=True)
class FrozenChange:
    """One thing of a test file the change may not do: `name` then `change` reads as a sentence."""

    name: str
    change: str


@dataclass(frozen=True)
class _Source:
    tree: ast.Module
    positions: tuple[_Position, ...]
    tokens: _Tokens

    def tokens_of(self, node: ast.AST, *, until: ast.AST | None = None) -> _Tokens:
        """The tokens of `node` (decorators included), or those before `until` inside it."""
        start = _start(node)
        end = _start(until) if until is not None else _end(node)
        return self.tokens[bisect_left(self.positions, start) : bisect_left(self.positions, end)]


def _read(source: str) -> _Source | str:
    try:
        tree = ast.parse(source)
        raw = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except SyntaxError as exc:
        return f"{exc.msg}, line {exc.lineno}"
    except (tokenize.TokenError, ValueError, RecursionError) as exc:
        return str(exc)
    kept = [token for token in raw if token.type not in _LAYOUT]
    return _Source(
        tree=tree,
        positions=tuple(token.start for token in kept),
        tokens=tuple((token.type, token.string) for token in kept),
    )


def _start(node: ast.AST) -> _Position:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    if decorators:  # a decorator starts its own logical line, so its line holds nothing before
        return (decorators[0].lineno, 0)
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> _Position:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def _shown(node: ast.AST) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 60 else text[:57] + "..."
