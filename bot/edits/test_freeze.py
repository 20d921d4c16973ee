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
import io
import tokenize
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

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


# --- module level: imports and statements -----------------------------------------------


def _is_definition(node: ast.stmt) -> bool:
    return isinstance(node, _Definition)


def _is_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.Import | ast.ImportFrom)


def _module_changes(old: _Source, new: _Source) -> Iterator[FrozenChange]:
    bound = _bindings(old.tree.body)
    yield from _import_changes(old, new, bound)
    yield from _statement_changes(old, new, bound)


def _import_changes(
    old: _Source, new: _Source, bound: dict[str, set[str]]
) -> Iterator[FrozenChange]:
    added = [new.tokens_of(node) for node in new.tree.body if _is_import(node)]
    for node in old.tree.body:
        if _is_import(node):
            tokens = old.tokens_of(node)
            if tokens in added:
                added.remove(tokens)
            else:
                yield FrozenChange(f"import `{_shown(node)}`", "was changed or removed")
    for node in new.tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom) and new.tokens_of(node) in added:
            yield from _rebound_by_import(node, bound)


def _statement_changes(
    old: _Source, new: _Source, bound: dict[str, set[str]]
) -> Iterator[FrozenChange]:
    old_code = [node for node in old.tree.body if not _is_definition(node) and not _is_import(node)]
    new_code = [node for node in new.tree.body if not _is_definition(node) and not _is_import(node)]
    kept, lost = _in_order(old, old_code, new, new_code)
    for node in lost:
        yield FrozenChange(f"module-level statement `{_shown(node)}`", "was changed or removed")
    if lost:
        return  # a changed statement is also an added one; saying it was changed is enough
    kept_ids = {id(node) for node in kept}
    for node in new_code:
        if id(node) not in kept_ids and not _may_add(node, bound):
            yield FrozenChange(
                f"module-level statement `{_shown(node)}`",
                "was added; it runs before the existing tests, so only imports, definitions "
                "and assignments to new names may be added",
            )


def _tokens_of_all(source: _Source, nodes: Sequence[ast.stmt]) -> list[_Tokens]:
    return [source.tokens_of(node) for node in nodes]


def _in_order(
    old: _Source, before: Sequence[ast.stmt], new: _Source, after: Sequence[ast.stmt]
) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """(the statements of `after` that keep those of `before` in order, those of `before` lost)."""
    kept: list[ast.stmt] = []
    lost: list[ast.stmt] = []
    position = 0
    for node in before:
        tokens = old.tokens_of(node)
        index = next(
            (at for at in range(position, len(after)) if new.tokens_of(after[at]) == tokens), None
        )
        if index is None:
            lost.append(node)
        else:
            kept.append(after[index])
            position = index + 1
    return kept, lost


def _import_targets(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """(name bound, what it is bound to) for each name an import binds."""
    for alias in node.names:
        if isinstance(node, ast.Import):
            bound = alias.asname or alias.name.split(".", 1)[0]
            yield bound, alias.name if alias.asname else bound
        else:
            module = "." * node.level + (node.module or "")
            yield alias.asname or alias.name, f"{module}.{alias.name}"


def _stored_names(node: ast.stmt) -> set[str]:
    stack: list[ast.AST] = [node]
    names: set[str] = set()
    while stack:
        part = stack.pop()
        if isinstance(part, ast.Name) and isinstance(part.ctx, ast.Store):
            names.add(part.id)
        if not isinstance(part, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef):
            stack.extend(ast.iter_child_nodes(part))
    return names


def _bindings(body: Sequence[ast.stmt]) -> dict[str, set[str]]:
    """Each module-level name and what binds it: `import:<target>` or `code`."""
    bound: dict[str, set[str]] = {}
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for name, target in _import_targets(node):
                bound.setdefault(name, set()).add(f"import:{target}")
        elif isinstance(node, _Definition):
            bound.setdefault(node.name, set()).add("code")
        else:
            for name in _stored_names(node):
                bound.setdefault(name, set()).add("code")
    return bound


def _rebound_by_import(
    node: ast.Import | ast.ImportFrom, bound: dict[str, set[str]]
) -> Iterator[FrozenChange]:
    for name, target in _import_targets(node):
        if name in bound and f"import:{target}" not in bound[name]:
            yield FrozenChange(
                f"name `{name}`",
                f"was bound again by `{_shown(node)}`; the existing tests would use the new one",
            )


def _is_main_guard(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        and len(node.test.comparators) == 1
        and isinstance(node.test.comparators[0], ast.Constant)
        and node.test.comparators[0].value == "__main__"
    )


def _may_add(node: ast.stmt, bound: dict[str, set[str]]) -> bool:
    if _is_main_guard(node):
        return True
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    else:
        return False
    plain = all(isinstance(target, ast.Name) for target in targets)
    return plain and not (_stored_names(node) & bound.keys())


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
