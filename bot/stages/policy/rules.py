"""What a fix may touch: the rules checked on every candidate before it is run.

Always refused, whatever the settings: paths that are not plain repository
paths, CI configuration, lock files, files that may hold secrets, .git; and the
paths the repository's `never_touch` globs name.

Refused unless a human allowed test edits (`allow_test_edits`: the CLI flag,
REDFIX_ALLOW_TEST_EDITS, or the default branch's .github/redfix.yml): changing
an existing test. In a Python test file every existing test, fixture, helper and
module-level statement must keep its tokens (bot.stages.policy.test_freeze); new tests
are always welcome. What that admits is also checked for weakening (a new
conftest hook, a skip) by bot.stages.policy.weakening. Other test files (JS, Go, ...)
cannot be read that way, so any change to their existing lines counts as a test
edit; adding lines is allowed, unless the language's weakening markers say the
additions skip or focus tests, or assertions are gone (bot.stages.policy.markers).
With test edits allowed, none of this is checked.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase

from bot.core.languages.registry import language_of_path
from bot.core.models import PolicyVerdict
from bot.core.paths import is_protected_path, is_test_path, path_problem
from bot.stages.policy.markers import marker_weakenings
from bot.stages.policy.test_freeze import frozen_changes
from bot.stages.policy.weakening import python_test_weakenings

_TEST_EDITS_HINT = "test weakening; allowed only when test edits are allowed"
_FROZEN_HINT = (
    "existing tests are not the fix's to change; `redfix fix --allow-test-edits` or "
    "`allow_test_edits: true` in the default branch's .github/redfix.yml allows it"
)


def check_policy(
    original: Mapping[str, str | None],
    patched: Mapping[str, str],
    *,
    allow_test_edits: bool,
    never_touch: Sequence[str] = (),
) -> PolicyVerdict:
    """Every rule the change from `original` to `patched` breaks (none: allowed).

    `original` maps each touched path to its content before (None: a new file).
    """
    violations: list[str] = []
    for path in sorted(patched):
        before, after = original.get(path), patched[path]
        if before == after:
            continue
        violations.extend(_path_violations(path, never_touch))
        if is_test_path(path) and not allow_test_edits:
            violations.extend(_test_violations(path, before=before, after=after))
    return PolicyVerdict(violations=tuple(violations))


def path_violations(paths: Iterable[str], never_touch: Sequence[str] = ()) -> list[str]:
    """The path rules alone, for the files a candidate names before it is applied."""
    return [violation for path in dict.fromkeys(paths)
            for violation in _path_violations(path, never_touch)]


def _path_violations(path: str, never_touch: Sequence[str]) -> list[str]:
    unsafe = path_problem(path)
    if unsafe is not None:
        return [f"{path}: {unsafe}; a fix may only change files inside the repository"]
    protected = is_protected_path(path)
    if protected is not None:
        return [f"{protected}; a fix must never touch it"]
    glob = next((glob for glob in never_touch if _matches(path, glob)), None)
    if glob is not None:
        return [f"{path}: the repository's `never_touch` ({glob}) keeps fixes out of it"]
    return []


def _matches(path: str, glob: str) -> bool:
    """`glob` as fnmatch reads it (`*` crosses directories), or a directory prefix."""
    return fnmatchcase(path, glob) or fnmatchcase(path, glob.rstrip("/") + "/*")


def _test_violations(path: str, *, before: str | None, after: str) -> list[str]:
    if path.endswith(".py"):
        return _python_test_violations(path, before=before, after=after)
    language = language_of_path(path)
    markers = language.weakening if language is not None else None
    weakened = marker_weakenings(path, before, after, markers) if markers else []
    if weakened:
        return [f"{finding} ({_TEST_EDITS_HINT})" for finding in weakened]
    if before is None:
        return []
    changed = _first_changed_line(before, after)
    if changed is None:
        return []
    return [
        f"{path}: existing line `{changed}` of a non-Python test file was changed or removed; "
        "redfix can check only Python tests for weakening, so edits to existing lines of "
        f"other test files count as test edits ({_TEST_EDITS_HINT})"
    ]


def _python_test_violations(path: str, *, before: str | None, after: str) -> list[str]:
    """The frozen-test findings; only when there are none, the weakening ones (which would
    mostly say again, in more words, that an existing test was changed)."""
    frozen = frozen_changes(path, before, after)
    if frozen:
        return [f"{path}: {change.name} {change.change} ({_FROZEN_HINT})" for change in frozen]
    return [
        f"{finding} ({_TEST_EDITS_HINT})" for finding in python_test_weakenings(path, before, after)
    ]


def _first_changed_line(before: str, after: str) -> str | None:
    """The first line of `before` that `after` no longer has in place; None if only added to."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, old_from, _old_to, _new_from, _new_to in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            return old[old_from].strip()[:80]
    return None
