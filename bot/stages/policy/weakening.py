"""Does an edit weaken existing Python tests? Compared with `ast`, function by function.

New tests and helpers may be added freely. An existing test (or helper or
fixture: they decide what the tests check) must keep its name, its assertions
(same count, same operands), its tolerances and its statements; it must not
gain a skip/xfail, a try/except or pytest.raises/suppress around its code, or
an early exit. Module and class level code must be kept too (`EXPECTED = 4`),
and skips there count (`pytestmark`, module-level `pytest.skip`, skipping class
decorators). In conftest.py any new or changed `pytest_*` hook,
`collect_ignore` or skip is weakening. Docstrings may change.

Every finding names the file, the test and the rule, because it is shown to
the model on the next attempt and to the humans in the report.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.stages.policy.tolerance import loosened_tolerances, without_tolerances

_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_ASSERTING_CALLS = ("assert", "fail", "raises", "warns")
_SWALLOWING_CALLS = ("suppress", "raises", "assertraises", "warns", "assertwarns")
_EXITING_CALLS = frozenset({"sys.exit", "os._exit", "pytest.exit", "exit", "quit"})


@dataclass(frozen=True)
class _Test:
    qualname: str
    node: _FunctionNode


def dotted(node: ast.expr) -> str:
    """`pytest.mark.skip` for the expression of that name, "" for anything else."""
    if isinstance(node, ast.Call):
        return dotted(node.func)
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return node.id if isinstance(node, ast.Name) else ""


_SKIPPING_NAMES = frozenset(
    {
        "skip",
        "skipif",
        "skipunless",
        "skiptest",
        "xfail",
        "expectedfailure",
        "importorskip",
    }
)


def _is_skip_name(name: str) -> bool:
    return name.rsplit(".", 1)[-1].casefold() in _SKIPPING_NAMES


def _mentions_skip(node: ast.AST) -> int:
    """How often `node` names a skipping marker or call (`pytest.mark.skip`, `SkipTest`)."""
    return sum(
        (isinstance(part, ast.Attribute) and _is_skip_name(part.attr))
        or (isinstance(part, ast.Name) and _is_skip_name(part.id))
        for part in ast.walk(node)
    )


def _own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of `body` except what nested functions and classes contain."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))


def skip_count(decorators: list[ast.expr], body: list[ast.stmt]) -> int:
    """Skip/xfail mentions in decorators (parametrize marks included) and in the body."""
    marked = sum(_mentions_skip(decorator) for decorator in decorators)
    return marked + sum(
        (isinstance(node, ast.Attribute) and _is_skip_name(node.attr))
        or (isinstance(node, ast.Name) and _is_skip_name(node.id))
        for node in _own_nodes(body)
    )


def _last_part(node: ast.Call) -> str:
    return dotted(node).rsplit(".", 1)[-1].casefold()


def _assertions(body: list[ast.stmt]) -> list[ast.AST]:
    found: list[ast.AST] = []
    for node in _own_nodes(body):
        if isinstance(node, ast.Assert):
            found.append(node.test)
        elif isinstance(node, ast.Call) and _last_part(node).startswith(_ASSERTING_CALLS):
            found.append(node)
    return sorted(found, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _swallowers(body: list[ast.stmt]) -> int:
    count = 0
    for node in _own_nodes(body):
        if isinstance(node, ast.Try | ast.TryStar):
            count += len(node.handlers) or 1
        elif isinstance(node, ast.With | ast.AsyncWith):
            count += sum(
                isinstance(item.context_expr, ast.Call)
                and _last_part(item.context_expr) in _SWALLOWING_CALLS
                for item in node.items
            )
    return count


def _is_dead_branch(node: ast.AST) -> bool:
    if not isinstance(node, ast.If | ast.While):
        return False
    try:
        return not ast.literal_eval(node.test)
    except ValueError:
        return False


def _early_exits(body: list[ast.stmt]) -> int:
    return sum(
        isinstance(node, ast.Return)
        or _is_dead_branch(node)
        or (isinstance(node, ast.Call) and dotted(node) in _EXITING_CALLS)
        for node in _own_nodes(body)
    )


def _functions(tree: ast.Module) -> dict[str, _Test]:
    """Tests, and the helpers and fixtures they lean on, by qualified name."""
    found: dict[str, _Test] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, _FunctionNode):
                found[prefix + node.name] = _Test(prefix + node.name, node)
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return found


def _classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}


def _code(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a body other than definitions and its docstring (which may change)."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return [node for node in body if not isinstance(node, _FunctionNode | ast.ClassDef)]


def _first_lost(before: list[ast.stmt], after: list[ast.stmt]) -> ast.stmt | None:
    """The first statement of `before` that `after` does not keep in order (additions are fine)."""
    remaining = iter([without_tolerances(node) for node in after])
    for node in before:
        key = without_tolerances(node)
        if not any(key == item for item in remaining):
            return node
    return None


def _shown(node: ast.AST) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 80 else text[:77] + "..."


def _assertion_changes(before: list[ast.AST], after: list[ast.AST]) -> list[str]:
    remaining = Counter(without_tolerances(node) for node in after)
    findings: list[str] = []
    for node in before:
        key = without_tolerances(node)
        if remaining[key] > 0:
            remaining[key] -= 1
            continue
        findings.append(f"assertion `{_shown(node)}` was changed or removed")
    if len(after) < len(before):
        findings.append(f"it has {len(after)} assertion(s) where it had {len(before)}")
    return findings


def compare_test(before: _FunctionNode, after: _FunctionNode) -> list[str]:
    """The rules one existing test breaks after the edit (names not included)."""
    findings = _assertion_changes(_assertions(before.body), _assertions(after.body))
    if skip_count(after.decorator_list, after.body) > skip_count(
        before.decorator_list, before.body
    ):
        findings.append("a skip/xfail was added")
    if _swallowers(after.body) > _swallowers(before.body):
        findings.append("code was wrapped in try/except, pytest.raises or suppress")
    findings.extend(loosened_tolerances(before, after))
    if _early_exits(after.body) > _early_exits(before.body):
        findings.append("an early return, exit or dead branch (`if False:`) was added")
    lost = None if findings else _first_lost(_code(before.body), _code(after.body))
    if lost is not None:
        findings.append(
            f"existing statement `{_shown(lost)}` was changed or removed "
            "(only additions are allowed)"
        )
    return findings


def _module_findings(before: ast.Module, after: ast.Module) -> list[str]:
    findings: list[str] = []
    if skip_count([], _code(after.body)) > skip_count([], _code(before.body)):
        findings.append("a module-level skip/xfail (pytestmark or pytest.skip) was added")
    lost = _first_lost(_code(before.body), _code(after.body))
    if lost is not None:
        findings.append(f"module-level statement `{_shown(lost)}` was changed or removed")
    new_classes = _classes(after)
    for name, old in _classes(before).items():
        node = new_classes.get(name)
        if node is None:
            continue  # its tests are reported as removed or renamed
        loose, old_loose = _code(node.body), _code(old.body)
        if skip_count(node.decorator_list, loose) > skip_count(old.decorator_list, old_loose):
            findings.append(f"class {name}: a skip/xfail was added to the whole class")
        lost = _first_lost(old_loose, loose)
        if lost is not None:
            findings.append(f"class {name}: statement `{_shown(lost)}` was changed or removed")
    return findings


def _conftest_findings(before: ast.Module, after: ast.Module) -> list[str]:
    def hooks(tree: ast.Module) -> dict[str, str]:
        watched: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, _FunctionNode) and node.name.startswith("pytest_"):
                watched[node.name] = ast.dump(node)
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and any(
                "collect_ignore" in ast.unparse(target) for target in _targets(node)
            ):
                watched[ast.unparse(_targets(node)[0])] = ast.dump(node)
        return watched

    old = hooks(before)
    findings = [
        f"conftest `{name}` was added or changed (it can skip or deselect tests)"
        for name, dump in hooks(after).items()
        if old.get(name) != dump
    ]
    if skip_count([], after.body) > skip_count([], before.body):
        findings.append("conftest gained a skip/xfail")
    return findings


def _targets(node: ast.Assign | ast.AugAssign | ast.AnnAssign) -> list[ast.expr]:
    return list(node.targets) if isinstance(node, ast.Assign) else [node.target]


def _parsed(text: str) -> ast.Module | str:
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        return f"{exc.msg}, line {exc.lineno}"


def python_test_weakenings(path: str, before: str | None, after: str) -> list[str]:
    """Violations of a change to the Python test file `path`, each naming file, test, rule."""
    new = _parsed(after)
    if isinstance(new, str):
        return [f"{path}: the test file no longer parses ({new})"]
    old = _parsed(before or "")
    if isinstance(old, str):
        return [
            f"{path}: the test file did not parse before the edit, so changes to it "
            "cannot be checked for weakening (test edits need allow_test_edits)"
        ]
    findings = [f"{path}: {finding}" for finding in _module_findings(old, new)]
    if PurePosixPath(path).name == "conftest.py":
        findings += [f"{path}: {finding}" for finding in _conftest_findings(old, new)]
    after_functions = _functions(new)
    for name, test in _functions(old).items():
        changed = after_functions.get(name)
        if changed is None:
            kind = "test" if test.node.name.startswith("test") else "helper"
            findings.append(f"{path}::{name}: the {kind} was removed or renamed")
            continue
        findings += [f"{path}::{name}: {rule}" for rule in compare_test(test.node, changed.node)]
    return findings
