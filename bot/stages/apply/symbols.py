"""Whole-definition rewrites located with `ast`: functions, methods, classes, imports.

A rewritten class replaces the original class only when it still defines every
method the original had; otherwise (the usual case: the model shows the class
with just the method it changed) each method it defines replaces the method of
that name, and a method the class lacks is added at its end.

Imports that came with a rewrite are added when the file does not already import
those names. They travel as a WHOLE_FUNCTION edit whose symbol is IMPORTS_SYMBOL:
`import` is a keyword, so it can never be the name of a real definition.
"""

from __future__ import annotations

import ast
import difflib
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.stages.apply.docstrings import keep_docstring
from bot.stages.apply.refusal import Refusal

IMPORTS_SYMBOL = "import"
# How much closer to one definition than to any other of the same name a rewrite must be
# to be taken as meant for it (the model names `fetch`; two classes define it).
CLEARLY_CLOSER = 0.1
T = TypeVar("T")

_DEF_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class Located:
    qualname: str
    node: Definition
    start: int  # first line, 0-based, decorators included
    end: int  # exclusive


def first_line(node: Definition) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1


def definitions(tree: ast.Module) -> list[Located]:
    """Every def/class at module level or nested in classes (not inside functions)."""
    found: list[Located] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, _DEF_TYPES):
                qualname = prefix + node.name
                end = node.end_lineno or node.lineno
                found.append(Located(qualname, node, first_line(node), end))
                if isinstance(node, ast.ClassDef):
                    visit(node.body, qualname + ".")

    visit(tree.body, "")
    return found


def source_of(lines: list[str], node: Definition) -> str:
    """The text of `node` (decorators included), dedented to column 0."""
    end = node.end_lineno or node.lineno
    return textwrap.dedent("".join(lines[first_line(node) : end]))


def _parse(content: str, *, what: str) -> ast.Module | Refusal:
    try:
        return ast.parse(content)
    except SyntaxError as exc:
        return Refusal(f"{what} does not parse ({exc.msg}, line {exc.lineno})")


def defines(content: str, symbol: str) -> bool:
    tree = _parse(content, what="the file")
    if isinstance(tree, Refusal):
        return False
    return any(symbol in (found.qualname, found.node.name) for found in definitions(tree))


def resemblance(content: str, symbol: str, rewrite: str) -> float:
    """How alike (0..1) `rewrite` is to the closest definition of `symbol` in `content`."""
    tree = _parse(content, what="the file")
    if isinstance(tree, Refusal):
        return 0.0
    lines = content.splitlines(keepends=True)
    return max((_likeness(lines, found, rewrite) for found in _named(tree, symbol)), default=0.0)


def clearly_closest(candidates: Sequence[T], likeness: Callable[[T], float]) -> T | None:
    """The candidate `likeness` puts first by at least CLEARLY_CLOSER, else None."""
    scored = sorted(((likeness(c), i) for i, c in enumerate(candidates)), reverse=True)
    if len(scored) > 1 and scored[0][0] - scored[1][0] < CLEARLY_CLOSER:
        return None
    return candidates[scored[0][1]] if scored else None


def _likeness(lines: list[str], found: Located, rewrite: str) -> float:
    return difflib.SequenceMatcher(None, source_of(lines, found.node), rewrite).ratio()


def _named(tree: ast.Module, symbol: str) -> list[Located]:
    everything = definitions(tree)
    exact = [found for found in everything if found.qualname == symbol]
    return exact or [found for found in everything if found.node.name == symbol]


def _find(
    tree: ast.Module, symbol: str, *, lines: list[str] | None = None, rewrite: str = ""
) -> Located | Refusal | None:
    """The one definition `symbol` names; among several, the one `rewrite` clearly resembles."""
    named = _named(tree, symbol)
    if len(named) == 1:
        return named[0]
    if not named:
        return None
    if lines is not None and rewrite:
        closest = clearly_closest(named, lambda found: _likeness(lines, found, rewrite))
        if closest is not None:
            return closest
    places = ", ".join(f"{found.qualname} (line {found.start + 1})" for found in named)
    return Refusal(
        f"{symbol} is defined {len(named)} times: {places}; "
        "show the enclosing class or use a SEARCH/REPLACE block"
    )


def _rewrite(model_source: str) -> tuple[Definition, str, list[str]] | Refusal:
    source = textwrap.dedent(model_source)
    tree = _parse(source, what="the rewritten definition")
    if isinstance(tree, Refusal):
        return tree
    lines = source.splitlines(keepends=True)
    for node in tree.body:
        if isinstance(node, _DEF_TYPES):
            return node, source_of(lines, node), lines
    return Refusal("the rewrite contains no def or class")


def replace_definition(content: str, symbol: str, *, replacement: str) -> str | Refusal:
    """`content` with the definition of `symbol` replaced by `replacement`.

    A definition the file lacks is added at module level, unless it is a method
    (takes self/cls) that lost its class: that is refused, not guessed.
    """
    tree = _parse(content, what="the file")
    if isinstance(tree, Refusal):
        return tree
    rewrite = _rewrite(replacement)
    if isinstance(rewrite, Refusal):
        return rewrite
    node, text, model_lines = rewrite
    target = _find(tree, symbol, lines=content.splitlines(keepends=True), rewrite=text)
    if isinstance(target, Refusal):
        return target
    if target is None:
        if _stands_alone(node):
            return _append(content, tree, text=text)
        return Refusal(f"{symbol} is not defined in the file")
    if (
        isinstance(node, ast.ClassDef)
        and isinstance(target.node, ast.ClassDef)
        and not _method_names(target.node) <= _method_names(node)
    ):  # the model showed the class with only the methods it changed
        return _merge_methods(content, target.qualname, node=node, model_lines=model_lines)
    return _splice(content, target, text=text, node=node)


def _stands_alone(node: Definition) -> bool:
    """A def that takes self/cls is a method lost from its class, not a new function."""
    if isinstance(node, ast.ClassDef):
        return True
    arguments = [*node.args.posonlyargs, *node.args.args]
    return not arguments or arguments[0].arg not in ("self", "cls")


def _method_names(node: ast.ClassDef) -> set[str]:
    return {child.name for child in node.body if isinstance(child, _DEF_TYPES)}


def _indented(text: str, indent: str) -> list[str]:
    lines = [indent + line if line.strip() else line for line in text.splitlines(keepends=True)]
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _splice(content: str, target: Located, *, text: str, node: Definition | None = None) -> str:
    lines = content.splitlines(keepends=True)
    def_line = lines[target.start]
    indent = def_line[: len(def_line) - len(def_line.lstrip())]
    if node is not None:
        text = keep_docstring(text, node=node, offset=first_line(node), original=lines,
                              original_node=target.node, indent=indent)
    return "".join([*lines[: target.start], *_indented(text, indent), *lines[target.end :]])


def _append(content: str, tree: ast.Module, *, text: str) -> str:
    """A new top-level definition: before an `if __name__ == "__main__":` block, else last."""
    lines = content.splitlines(keepends=True)
    at = len(lines)
    for node in tree.body:
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            at = node.lineno - 1
    before = "".join(lines[:at]).rstrip("\n")
    after = "".join(lines[at:])
    new = "".join(_indented(text, ""))
    return f"{before}\n\n\n{new}" + (f"\n\n{after}" if after else "")


def _merge_methods(
    content: str, class_name: str, *, node: ast.ClassDef, model_lines: list[str]
) -> str | Refusal:
    for method in node.body:
        if not isinstance(method, _DEF_TYPES):
            continue
        tree = _parse(content, what="the file")
        if isinstance(tree, Refusal):
            return tree
        text = source_of(model_lines, method)
        target = _find(tree, f"{class_name}.{method.name}")
        if isinstance(target, Refusal):
            return target
        if target is not None:
            content = _splice(content, target, text=text, node=method)
        else:
            content = _add_method(content, tree, class_name, text=text)
    return content


def _add_method(content: str, tree: ast.Module, class_name: str, *, text: str) -> str:
    owner = next(found for found in definitions(tree) if found.qualname == class_name)
    lines = content.splitlines(keepends=True)
    body_line = lines[owner.node.body[0].lineno - 1]
    indent = body_line[: len(body_line) - len(body_line.lstrip())]
    if lines and not lines[owner.end - 1].endswith("\n"):
        lines[owner.end - 1] += "\n"
    added = ["\n", *_indented(text, indent)]
    return "".join([*lines[: owner.end], *added, *lines[owner.end :]])


def add_imports(content: str, imports: str) -> str | Refusal:
    """`content` plus those of `imports` it lacks, after its last top-level import."""
    tree = _parse(content, what="the file")
    if isinstance(tree, Refusal):
        return tree
    wanted = _parse(textwrap.dedent(imports), what="the imports")
    if isinstance(wanted, Refusal):
        return wanted
    missing = _missing_imports(wanted, have=_imported(tree))
    if not missing:
        return content
    lines = content.splitlines(keepends=True)
    at = _import_position(tree)
    if at == 0:  # shebang, coding line, licence header: imports go below them
        while at < len(lines) and lines[at].startswith("#"):
            at += 1
    if at and not lines[at - 1].endswith("\n"):
        lines[at - 1] += "\n"
    if not _imported(tree) and at < len(lines) and lines[at].strip():
        # the first imports of the file: keep them apart from the code below (PEP 8)
        missing.append("\n\n" if lines[at].startswith(("def ", "class ", "@", "async ")) else "\n")
    return "".join([*lines[:at], *missing, *lines[at:]])


def _missing_imports(wanted: ast.Module, *, have: set[tuple[str, int, str, str]]) -> list[str]:
    missing: list[str] = []
    for node in wanted.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue  # only legal at the very top; never worth moving code around for
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias for alias in node.names if _key(node, alias) not in have]
            if names:
                node.names = names
                missing.append(ast.unparse(node) + "\n")
    return missing


def _key(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> tuple[str, int, str, str]:
    if isinstance(node, ast.Import):
        return ("", 0, alias.name, alias.asname or "")
    return (node.module or "", node.level, alias.name, alias.asname or "")


def _imported(tree: ast.Module) -> set[tuple[str, int, str, str]]:
    return {
        _key(node, alias)
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def _import_position(tree: ast.Module) -> int:
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    if imports:
        return imports[-1].end_lineno or imports[-1].lineno
    if tree.body and ast.get_docstring(tree) is not None:
        return tree.body[0].end_lineno or 1
    return 0
