"""The frozen-tests rule at module level: existing imports and statements keep their
tokens; what is added may not run before the existing tests or bind their names again.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from bot.stages.policy.frozen_tests_source import FrozenChange, _Definition, _shown, _Source


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
