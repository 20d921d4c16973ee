"""A rewritten function keeps the docstring it had.

The docstring states what the function must do: a fix changes the code, not the
promise. Small models "tidy" docstrings while rewriting a function (grammar,
trailing spaces, examples), which adds noise to the diff at best and rewrites the
specification at worst. A SEARCH/REPLACE edit can still change a docstring on
purpose; a whole-function rewrite cannot.
"""

from __future__ import annotations

import ast

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def docstring_lines(node: ast.AST) -> tuple[int, int] | None:
    """The 0-based [start, end) lines of a function's docstring, when it stands on its own lines."""
    if not isinstance(node, FUNCTIONS) or not node.body:
        return None
    first = node.body[0]
    if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return None
    shares_a_line = len(node.body) > 1 and node.body[1].lineno == first.end_lineno
    if first.lineno == node.lineno or shares_a_line:  # with the signature or the next statement
        return None
    return first.lineno - 1, first.end_lineno or first.lineno


def keep_docstring(
    text: str, *, node: ast.AST, offset: int, original: list[str], original_node: ast.AST,
    indent: str,
) -> str:
    """`text` (the rewrite, dedented; its line 0 is line `offset` of the model's block) with
    the docstring lines of `original_node` (lines of the file, def indented by `indent`)."""
    mine, theirs = docstring_lines(node), docstring_lines(original_node)
    if mine is None or theirs is None:
        return text
    old = [line.removeprefix(indent) for line in original[theirs[0] : theirs[1]]]
    lines = text.splitlines(keepends=True)
    start, end = mine[0] - offset, mine[1] - offset
    if lines[start : end] == old or _indent(lines[start]) != _indent(old[0]):
        return text
    kept = "".join([*lines[:start], *old, *lines[end:]])
    try:
        ast.parse(kept)
    except SyntaxError:
        return text
    return kept


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]
