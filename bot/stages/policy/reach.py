"""A candidate that changes only functions the failing tests never run is sent back.

The coverage run of localization says which functions the failing tests executed (in a
test, or in their test module's top-level code). A change whose every edited line sits
inside functions outside that set cannot be what makes those tests pass; it is refused
before the test run, naming the functions, so the next answer aims at the code that
runs. A change that touches anything else (module-level code, a class body, a new
function, a file that does not parse) is not judged: coverage does not speak for it.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping

from bot.core.paths import is_test_path
from bot.stages.apply.symbols import Located, definitions


def unreached_edits(
    original: Mapping[str, str | None],
    patched: Mapping[str, str],
    reached: Mapping[str, frozenset[str]] | None,
) -> list[str]:
    """Why the change cannot touch the failure (empty: it may, or nobody can tell)."""
    if not reached:
        return []
    unreached: list[str] = []
    for path in sorted(patched):
        before = original.get(path)
        if before is None or before == patched[path] or is_test_path(path):
            continue
        changed = _changed_functions(before, patched[path])
        if changed is None or changed & reached.get(path, frozenset()):
            return []
        unreached.extend(f"{path}: {name}" for name in sorted(changed))
    if not unreached:
        return []
    return [
        f"the failing tests never run {', '.join(unreached)} (coverage of the failing tests); "
        "change the code they run"
    ]


def _changed_functions(before: str, after: str) -> set[str] | None:
    """The innermost functions holding every changed line of `before`; None when a change
    lies outside any function or the file does not parse."""
    try:
        functions = [d for d in definitions(ast.parse(before))
                     if not isinstance(d.node, ast.ClassDef)]
    except (SyntaxError, ValueError):
        return None
    old, new = before.splitlines(), after.splitlines()
    names: set[str] = set()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, old_from, old_to, new_from, new_to in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            holders = {_holder_of_insertion(functions, old_from, new[new_from:new_to])}
        else:
            holders = {_innermost(functions, line) for line in range(old_from, old_to)}
        if None in holders:
            return None
        names.update(holder.qualname for holder in holders if holder is not None)
    return names


def _holder_of_insertion(
    functions: list[Located], before_line: int, inserted: list[str]
) -> Located | None:
    """The function that lines inserted before 0-based `before_line` extend: the one
    holding the line above them, when they are indented deeper than its `def`."""
    holder = _innermost(functions, before_line - 1)
    if holder is None:
        return None
    depth = holder.node.col_offset
    deeper = all(not line.strip() or len(line) - len(line.lstrip()) > depth for line in inserted)
    return holder if deeper else None


def _innermost(functions: list[Located], line: int) -> Located | None:
    """The function whose body holds 0-based `line` (not its decorators or `def` line)."""
    holding = [f for f in functions if _body_start(f) <= line < f.end]
    return max(holding, key=lambda f: f.start, default=None)


def _body_start(function: Located) -> int:
    return function.node.body[0].lineno - 1
