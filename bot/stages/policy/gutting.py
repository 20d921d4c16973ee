"""A candidate that guts a long function is sent back before any test runs.

Small models asked to fix one line of a long function sometimes "rewrite" it into a
few lines that pass a narrow test. Such a change is refused cheaply, with the reason
as feedback: a long source function (LONG_FUNCTION_LINES or more) that loses most of
its lines (keeps under KEPT_SHARE of them) or disappears. New and short functions,
test files and files that do not parse (the tests will say why) are not judged.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from bot.core.paths import is_test_path
from bot.stages.apply.symbols import definitions

LONG_FUNCTION_LINES = 20
KEPT_SHARE = 0.4


def gutted_functions(original: Mapping[str, str | None], patched: Mapping[str, str]) -> list[str]:
    """Why the change guts a long function, one reason per function (none: it does not)."""
    reasons: list[str] = []
    for path in sorted(patched):
        before = original.get(path)
        if before is None or not path.endswith(".py") or is_test_path(path):
            continue
        old, new = function_lengths(before), function_lengths(patched[path])
        if old is None or new is None:
            continue
        reasons.extend(_gutted(path, old, new))
    return reasons


def _gutted(path: str, old: Mapping[str, int], new: Mapping[str, int]) -> list[str]:
    reasons = []
    for name, lines in old.items():
        if lines < LONG_FUNCTION_LINES:
            continue
        kept = new.get(name, 0)
        if kept >= KEPT_SHARE * lines:
            continue
        what = f"removes {name}" if kept == 0 else f"cuts {name} from {lines} lines to {kept}"
        reasons.append(
            f"{path}: the change {what}; fix the lines that are wrong and keep the rest of "
            "the function"
        )
    return reasons


def function_lengths(source: str) -> dict[str, int] | None:
    """Lines of each function and method by qualified name; None if the source does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    return {
        found.qualname: found.end - found.start
        for found in definitions(tree)
        if not isinstance(found.node, ast.ClassDef)
    }
