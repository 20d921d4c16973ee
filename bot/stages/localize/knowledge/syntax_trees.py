"""Outlines of JavaScript, TypeScript, Java and Go files from tree-sitter grammars.

The grammars are dependencies of redfix. When one is missing (a partial install), or a
file does not parse, the file is indexed as a single chunk and the reason is logged once.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.core.chunks import Chunk, Definition, chunks_from_outline, whole_file_chunk

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

log = logging.getLogger(__name__)

# language -> (module, function returning the grammar)
GRAMMARS = {
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "java": ("tree_sitter_java", "language"),
    "go": ("tree_sitter_go", "language"),
}


@dataclass(frozen=True)
class _Shapes:
    """Which node types of a grammar are definitions, containers and wrappers."""

    functions: frozenset[str]
    containers: frozenset[str]
    types: frozenset[str] = frozenset()
    wrappers: frozenset[str] = frozenset()  # `export ...`: the definition inside counts
    transparent: frozenset[str] = frozenset()  # walked through, same symbol prefix
    variables: frozenset[str] = frozenset()  # `const f = () => ...`


_JS_SHAPES = _Shapes(
    functions=frozenset(
        {"function_declaration", "generator_function_declaration", "method_definition"}
    ),
    containers=frozenset({"class_declaration", "abstract_class_declaration", "class"}),
    types=frozenset({"interface_declaration", "type_alias_declaration", "enum_declaration"}),
    wrappers=frozenset({"export_statement"}),
    variables=frozenset({"lexical_declaration", "variable_declaration"}),
)
_JAVA_SHAPES = _Shapes(
    functions=frozenset(
        {"method_declaration", "constructor_declaration", "compact_constructor_declaration"}
    ),
    containers=frozenset(
        {
            "class_declaration",
            "interface_declaration",
            "enum_declaration",
            "record_declaration",
            "annotation_type_declaration",
        }
    ),
    transparent=frozenset({"enum_body_declarations"}),
)
_GO_SHAPES = _Shapes(
    functions=frozenset({"function_declaration", "method_declaration"}),
    containers=frozenset(),
    types=frozenset({"type_declaration"}),
)
SHAPES = {
    "javascript": _JS_SHAPES,
    "typescript": _JS_SHAPES,
    "tsx": _JS_SHAPES,
    "java": _JAVA_SHAPES,
    "go": _GO_SHAPES,
}
_FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)


@cache
def parser_for(language: str) -> Parser | None:
    """A parser for `language`, or None (logged once) when its grammar is not installed."""
    module_name, function = GRAMMARS[language]
    try:
        from tree_sitter import Language, Parser

        grammar: Any = getattr(importlib.import_module(module_name), function)()
        return Parser(Language(grammar))
    except (ImportError, AttributeError, ValueError) as exc:
        log.warning(
            "no %s grammar (%s): %s files are indexed whole; reinstall redfix",
            language,
            exc,
            language,
        )
        return None


def chunk_with_tree_sitter(path: str, text: str, *, language: str) -> list[Chunk]:
    parser = parser_for(language)
    if parser is None:
        return [whole_file_chunk(path, text, language=language)]
    tree = parser.parse(text.encode("utf-8", errors="replace"))
    if tree.root_node.has_error:
        log.info("%s has syntax errors: indexed as one chunk", path)
        return [whole_file_chunk(path, text, language=language)]
    outline = list(_members(tree.root_node, shapes=SHAPES[language], prefix="", in_class=False))
    return chunks_from_outline(path, text, outline, language=language)


def _lines(node: Node, start_node: Node | None = None) -> tuple[int, int]:
    first = (start_node or node).start_point.row + 1
    end_row, end_column = node.end_point.row, node.end_point.column
    if end_column == 0 and end_row + 1 > first:
        end_row -= 1  # the node's text ends with the newline of the line before
    return first, end_row + 1


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def _members(node: Node, *, shapes: _Shapes, prefix: str, in_class: bool) -> Iterator[Definition]:
    for child in node.named_children:
        if child.type in shapes.transparent:
            yield from _members(child, shapes=shapes, prefix=prefix, in_class=in_class)
            continue
        target = child
        if child.type in shapes.wrappers:
            target = child.child_by_field_name("declaration") or child
        definition = _definition(target, child, shapes=shapes, prefix=prefix, in_class=in_class)
        if definition is not None:
            yield definition


def _definition(
    node: Node, outer: Node, *, shapes: _Shapes, prefix: str, in_class: bool
) -> Definition | None:
    start, end = _lines(node, outer)
    if node.type in shapes.functions:
        name = _function_name(node)
        kind = "method" if in_class or node.type == "method_declaration" else "function"
        return Definition(prefix + name, kind, start, end) if name else None
    if node.type in shapes.containers:
        name = _text(node.child_by_field_name("name")) or "<anonymous>"
        body = node.child_by_field_name("body")
        members = (
            ()
            if body is None
            else tuple(_members(body, shapes=shapes, prefix=f"{prefix}{name}.", in_class=True))
        )
        return Definition(prefix + name, "class", start, end, members, container=True)
    if node.type in shapes.types:
        return Definition(prefix + _type_name(node), "class", start, end)
    if node.type in shapes.variables:
        name = _assigned_function_name(node)
        return Definition(prefix + name, "function", start, end) if name else None
    return None


def _function_name(node: Node) -> str:
    name = _text(node.child_by_field_name("name"))
    receiver = node.child_by_field_name("receiver")
    if node.type == "method_declaration" and receiver is not None:  # Go: func (r *T) Name()
        types = [n for n in _walk(receiver) if n.type == "type_identifier"]
        if types:
            return f"{_text(types[0])}.{name}"
    return name


def _type_name(node: Node) -> str:
    for child in _walk(node):
        if child.type in ("type_identifier", "identifier"):
            return _text(child)
    return "<type>"


def _assigned_function_name(node: Node) -> str:
    for declarator in node.named_children:
        value = declarator.child_by_field_name("value")
        if value is not None and value.type in _FUNCTION_VALUES:
            return _text(declarator.child_by_field_name("name"))
    return ""


def _walk(node: Node) -> Iterator[Node]:
    for child in node.named_children:
        yield child
        yield from _walk(child)
