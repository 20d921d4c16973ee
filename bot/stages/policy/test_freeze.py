"""Existing tests are not the fix's to change: a Python test file compared token by token.

Every definition that existed before the change (test, fixture, helper function
or class, at module level or in a test class) must keep the same tokens, and so
must every existing module-level statement, import and test-class statement.
Tokens come from `tokenize`; comments, blank lines, indentation and spacing
inside a line are ignored, everything else counts, docstrings included: a
reworded docstring is a changed test. Existing imports may be reordered, not
changed; new ones may be added.

New tests, fixtures, helpers and classes may be added, but not what would reach
into the existing tests: an autouse fixture, an xunit setup/teardown, a
`pytest_*` hook or a dunder method (in a file that existed or in any
conftest.py), a name bound again (`def paginate` after `from lib import
paginate`), or module-level code other than imports, definitions, assignments
to fresh names and `if __name__ == "__main__":` (a module-level
`lib.compute = stub` runs before every test). The code on the right of a fresh
assignment is not inspected.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import PurePosixPath

from bot.stages.policy.frozen_tests_module_level import (
    _bindings,
    _is_definition,
    _module_changes,
)
from bot.stages.policy.frozen_tests_source import (
    FrozenChange,
    _Definition,
    _read,
    _Source,
    _Tokens,
)

_XUNIT_NAMES = frozenset(
    {
        "setup",
        "teardown",
        "setup_module",
        "teardown_module",
        "setup_function",
        "teardown_function",
        "setup_class",
        "teardown_class",
        "setup_method",
        "teardown_method",
        "setUp",
        "tearDown",
        "setUpClass",
        "tearDownClass",
        "setUpModule",
        "tearDownModule",
    }
)


def frozen_changes(
    path: str, old_source: str | None, new_source: str
) -> tuple[FrozenChange, ...]:
    """What the change from `old_source` (None: a new file) to `new_source` does to `path`'s
    existing tests and test machinery that it may not; empty when it only adds."""
    new = _read(new_source)
    if isinstance(new, str):
        return (
            FrozenChange(
                "the file",
                f"does not parse after the change ({new}), so its existing tests cannot be "
                "checked",
            ),
        )
    old = _read(old_source or "")
    if isinstance(old, str):
        return (
            FrozenChange(
                "the file",
                f"did not parse before the change ({old}), so its existing tests cannot be "
                "told apart and it may not be changed",
            ),
        )
    reaches_existing = old_source is not None or PurePosixPath(path).name == "conftest.py"
    found = list(_module_changes(old, new))
    found += _body_changes("", old, old.tree.body, new, new.tree.body, reaches_existing)
    return tuple(dict.fromkeys(found))


def _tokens_of_all(source: _Source, nodes: Sequence[ast.stmt]) -> list[_Tokens]:
    return [source.tokens_of(node) for node in nodes]


# --- definitions: module body and test-class bodies ----------------------------------------


def _is_test_class(node: ast.ClassDef) -> bool:
    """Collected by pytest (Test*) or unittest (a *TestCase base): its methods may grow."""
    return node.name.startswith("Test") or any(
        ast.unparse(base).endswith("TestCase") for base in node.bases
    )


def _definitions(body: Sequence[ast.stmt]) -> dict[str, list[_Definition]]:
    found: dict[str, list[_Definition]] = {}
    for node in body:
        if isinstance(node, _Definition):
            found.setdefault(node.name, []).append(node)
    return found


def _body_changes(
    prefix: str,
    old: _Source,
    old_body: Sequence[ast.stmt],
    new: _Source,
    new_body: Sequence[ast.stmt],
    reaches_existing: bool,
) -> list[FrozenChange]:
    """Changes to the definitions of a module or test-class body, and what new ones may not be."""
    found: list[FrozenChange] = []
    before, after = _definitions(old_body), _definitions(new_body)
    old_names = _bindings(old_body).keys()
    for name, old_nodes in before.items():
        found += _definition_changes(prefix + name, old, old_nodes, new, after.get(name, []))
    for name, new_nodes in after.items():
        if name in before:
            continue
        if name in old_names:
            found.append(
                FrozenChange(
                    prefix + name,
                    "was defined over an existing name; the existing tests would use it",
                )
            )
        elif reaches_existing:
            found += [
                FrozenChange(prefix + name, reason)
                for node in new_nodes
                if (reason := _reaches_existing_tests(node)) is not None
            ]
    return found


def _definition_changes(
    name: str,
    old: _Source,
    old_nodes: Sequence[_Definition],
    new: _Source,
    new_nodes: Sequence[_Definition],
) -> list[FrozenChange]:
    if not new_nodes:
        return [FrozenChange(name, "was removed or renamed")]
    if len(new_nodes) > len(old_nodes):
        return [FrozenChange(name, "was defined again; the new definition would replace it")]
    if len(new_nodes) < len(old_nodes):
        return [FrozenChange(name, "was removed (one of its definitions)")]
    found: list[FrozenChange] = []
    for before, after in zip(old_nodes, new_nodes, strict=True):
        if isinstance(before, ast.ClassDef) and _is_test_class(before):
            found += _test_class_changes(name, old, before, new, after)
        elif old.tokens_of(before) != new.tokens_of(after):
            found.append(FrozenChange(name, "was changed"))
    return found


def _test_class_changes(
    name: str, old: _Source, before: ast.ClassDef, new: _Source, after: _Definition
) -> list[FrozenChange]:
    """A test class keeps its header, statements and methods; it may gain tests."""
    if not isinstance(after, ast.ClassDef):
        return [FrozenChange(name, "was changed from a class")]
    if old.tokens_of(before, until=before.body[0]) != new.tokens_of(after, until=after.body[0]):
        return [FrozenChange(name, "was changed (its decorators, bases or keywords)")]
    old_code = [node for node in before.body if not _is_definition(node)]
    new_code = [node for node in after.body if not _is_definition(node)]
    if _tokens_of_all(old, old_code) != _tokens_of_all(new, new_code):
        return [FrozenChange(name, "was changed (its class-level statements)")]
    return _body_changes(f"{name}.", old, before.body, new, after.body, reaches_existing=True)


def _reaches_existing_tests(node: _Definition) -> str | None:
    """Why a new definition would change how the existing tests run, or None."""
    if node.name in _XUNIT_NAMES:
        return "was added; an xunit setup/teardown runs around the existing tests"
    if node.name.startswith("pytest_"):
        return "was added; a pytest hook can change which tests run and how"
    if node.name.startswith("__") and node.name.endswith("__"):
        return "was added; a dunder method changes how the existing tests are collected or run"
    if any(_is_autouse(decorator) for decorator in node.decorator_list):
        return "was added as an autouse fixture; it would run before the existing tests"
    return None


def _is_autouse(decorator: ast.expr) -> bool:
    if not isinstance(decorator, ast.Call):
        return False
    return any(
        keyword.arg == "autouse"
        and not (isinstance(keyword.value, ast.Constant) and not keyword.value.value)
        for keyword in decorator.keywords
    )
