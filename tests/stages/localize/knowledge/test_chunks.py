from __future__ import annotations

import logging

import pytest

from bot.core.chunks import chunk_python
from bot.stages.localize.knowledge import syntax_trees
from bot.stages.localize.knowledge.files import SourceFile, chunk_file, source_files

PYTHON = '''\
"""Module docstring."""
import os

LIMIT = 3


@decorator
def first(a):
    def inner():
        return a
    return inner()


class Parser:
    """Parses."""

    sep = ","

    def parse(self, text):
        return text.split(self.sep)

    async def close(self):
        pass

    class Inner:
        def deep(self):
            return 1

    tail = 1
'''


def _layout(chunks):
    return [(c.symbol, c.kind, c.start, c.end) for c in chunks]


def test_python_chunks_cover_functions_methods_class_parts_and_module_remainder():
    chunks = chunk_python("pkg/mod.py", PYTHON)
    assert _layout(chunks) == [
        ("<module>", "module", 1, 4),
        ("first", "function", 7, 11),
        ("Parser", "class", 14, 17),
        ("Parser.parse", "method", 19, 20),
        ("Parser.close", "method", 22, 23),
        ("Parser.Inner", "class", 25, 25),
        ("Parser.Inner.deep", "method", 26, 27),
        ("Parser", "class", 29, 29),
    ]
    first = chunks[1]
    assert first.text.startswith("@decorator\ndef first(a):")
    assert "return inner()" in first.text
    assert first.name == "first" and chunks[3].name == "parse"


def test_chunk_id_survives_moving_lines_but_not_editing_code():
    moved = chunk_python("pkg/mod.py", "\n\n\n" + PYTHON)
    edited = chunk_python("pkg/mod.py", PYTHON.replace("split(self.sep)", "split(';')"))
    original = {c.symbol: c for c in chunk_python("pkg/mod.py", PYTHON) or []}
    assert moved is not None and edited is not None
    assert {c.symbol: c.chunk_id for c in moved}["first"] == original["first"].chunk_id
    assert {c.symbol: c.start for c in moved}["first"] == original["first"].start + 3
    edited_ids = {c.symbol: c.chunk_id for c in edited}
    assert edited_ids["Parser.parse"] != original["Parser.parse"].chunk_id
    assert edited_ids["Parser.close"] == original["Parser.close"].chunk_id


def test_same_code_in_another_file_gets_another_id():
    here = chunk_python("a.py", "def f():\n    return 1\n")
    there = chunk_python("b.py", "def f():\n    return 1\n")
    assert here and there and here[0].chunk_id != there[0].chunk_id


def test_python_that_does_not_parse_becomes_one_chunk():
    assert chunk_python("bad.py", "def broken(:\n    pass\n") is None
    chunks = chunk_file(SourceFile("bad.py", "def broken(:\n    pass\n", "python"))
    assert _layout(chunks) == [("bad.py", "file", 1, 2)]


def test_empty_file_has_no_chunks():
    assert chunk_file(SourceFile("empty.py", "\n\n", "python")) == []


JAVASCRIPT = """\
import x from "y";

export function add(a, b) {
  return a + b;
}

class Stack {
  push(item) {
    this.items.push(item);
  }
}

const double = (n) => n * 2;
"""


def test_javascript_outline_with_exports_classes_and_arrow_functions():
    chunks = chunk_file(SourceFile("src/math.js", JAVASCRIPT, "javascript"))
    assert _layout(chunks) == [
        ("<module>", "module", 1, 1),
        ("add", "function", 3, 5),
        ("Stack", "class", 7, 7),
        ("Stack.push", "method", 8, 10),
        ("double", "function", 13, 13),
    ]


def test_typescript_interfaces_and_functions():
    source = (
        "interface Shape {\n  area(): number;\n}\n\n"
        "function area(s: Shape): number {\n  return s.area();\n}\n"
    )
    chunks = chunk_file(SourceFile("src/shape.ts", source, "typescript"))
    assert _layout(chunks) == [("Shape", "class", 1, 3), ("area", "function", 5, 7)]


def test_java_methods_and_constructors_inside_classes():
    source = """\
package demo;

public class Counter {
    private int count;

    public Counter() {
        count = 0;
    }

    public int next() {
        return ++count;
    }
}
"""
    chunks = chunk_file(SourceFile("src/demo/Counter.java", source, "java"))
    assert _layout(chunks) == [
        ("<module>", "module", 1, 1),
        ("Counter", "class", 3, 4),
        ("Counter.Counter", "method", 6, 8),
        ("Counter.next", "method", 10, 12),
    ]


def test_go_methods_are_named_by_their_receiver_type():
    source = """\
package stack

type Stack struct {
\titems []int
}

func (s *Stack) Push(v int) {
\ts.items = append(s.items, v)
}

func New() *Stack {
\treturn &Stack{}
}
"""
    chunks = chunk_file(SourceFile("stack/stack.go", source, "go"))
    assert _layout(chunks) == [
        ("<module>", "module", 1, 1),
        ("Stack", "class", 3, 5),
        ("Stack.Push", "method", 7, 9),
        ("New", "function", 11, 13),
    ]


def test_missing_grammar_degrades_to_whole_file_with_a_logged_reason(monkeypatch, caplog):
    monkeypatch.setitem(syntax_trees.GRAMMARS, "go", ("tree_sitter_go_not_installed", "language"))
    syntax_trees.parser_for.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            chunks = chunk_file(SourceFile("main.go", "package main\n\nfunc main() {}\n", "go"))
    finally:
        syntax_trees.parser_for.cache_clear()
    assert _layout(chunks) == [("main.go", "file", 1, 3)]
    assert "no go grammar" in caplog.text and "tree_sitter_go_not_installed" in caplog.text


def test_source_files_skips_vendored_binary_and_unknown_files(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "b.go").write_text("package b\n")
    (tmp_path / "pkg" / "notes.txt").write_text("text\n")
    (tmp_path / "pkg" / "blob.py").write_bytes(b"\0\1\2")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "dep.js").write_text("var a;\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.py").write_text("y = 2\n")
    found = [(f.path, f.language) for f in source_files(tmp_path)]
    assert found == [("pkg/a.py", "python"), ("pkg/b.go", "go")]


@pytest.mark.parametrize(
    ("path", "is_test"),
    [("tests/test_a.py", True), ("pkg/a.py", False), ("pkg/a_test.go", True)],
)
def test_source_file_knows_test_code(path, is_test):
    assert SourceFile(path, "", "python").is_test is is_test
