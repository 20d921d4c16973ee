"""Code blocks that rewrite whole definitions: one WHOLE_FUNCTION edit per def/class.

Imports at the top of such a block are kept as one more edit (symbol
IMPORTS_SYMBOL, placed after the block's definitions so it lands in the same
file): a rewrite that starts using `math` needs `import math`, and the applier
adds only what the file lacks. Any other top-level statement (constants, calls,
examples) is not applied and is reported as a problem.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Sequence

from bot.core.models import EditKind, FileEdit
from bot.core.paths import is_test_path
from bot.stages.apply.symbols import IMPORTS_SYMBOL, source_of

_DEFINES = re.compile(r"^\s*(?:async\s+def|def|class)\s+\w", re.MULTILINE)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "py3", "ipython"})


def _is_ignorable(node: ast.stmt) -> bool:
    """Docstrings, `...`, `pass` and a `__main__` guard: nothing a fix needs."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def parse_code_block(
    body: Sequence[str], *, path: str, line: int, labelled: bool
) -> tuple[list[FileEdit], list[str]]:
    """Edits from a block's lines; `labelled` when the fence said it is Python.

    Unlabelled blocks that do not parse or define nothing are ignored silently:
    they are usually shell commands or output, not code meant as an edit.
    """
    source = textwrap.dedent("".join(f"{text}\n" for text in body))
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        if labelled and _DEFINES.search(source):
            return [], [
                f"line {line}: the Python block does not parse ({exc.msg}, "
                f"block line {exc.lineno}); it was ignored"
            ]
        return [], []
    lines = source.splitlines(keepends=True)
    edits: list[FileEdit] = []
    imports: list[str] = []
    ignored: list[int] = []
    tests: list[str] = []
    for node in tree.body:
        if isinstance(node, _DEFINITIONS) and _is_test_in_source(node, path):
            tests.append(node.name)
        elif isinstance(node, _DEFINITIONS):
            edits.append(_rewrite(node, path=path, lines=lines))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imports.append("".join(lines[node.lineno - 1 : node.end_lineno]))
        elif not _is_ignorable(node):
            ignored.append(line + node.lineno)
    problems = _problems(edits, ignored=ignored, line=line, labelled=labelled)
    if tests:
        problems.append(
            f"line {line}: {', '.join(tests)} look(s) like tests; tests are not written into "
            f"the source file {path} (the fix only changes code; tests come separately)"
        )
    return _with_imports(edits, imports=imports, path=path), problems


def _is_test_in_source(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, path: str
) -> bool:
    """A test the model appended to the code it fixed: it does not belong in a source file."""
    prefix = "Test" if isinstance(node, ast.ClassDef) else "test_"
    return bool(path) and node.name.startswith(prefix) and not is_test_path(path)


def _rewrite(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, *, path: str, lines: list[str]
) -> FileEdit:
    return FileEdit(
        path=path, kind=EditKind.WHOLE_FUNCTION, symbol=node.name, replace=source_of(lines, node)
    )


def _with_imports(edits: list[FileEdit], *, imports: list[str], path: str) -> list[FileEdit]:
    if not edits or not imports:
        return edits
    needed = FileEdit(
        path=path, kind=EditKind.WHOLE_FUNCTION, symbol=IMPORTS_SYMBOL, replace="".join(imports)
    )
    return [*edits, needed]


def _problems(edits: list[FileEdit], *, ignored: list[int], line: int, labelled: bool) -> list[str]:
    if not edits:
        if labelled:
            return [
                f"line {line}: the Python block defines no function or class; it was "
                "ignored (use a SEARCH/REPLACE block to change other code)"
            ]
        return []
    if ignored:
        where = ", ".join(str(number) for number in ignored)
        return [
            f"line {line}: top-level statements other than def/class/import in a code "
            f"block are not applied (lines {where}); use a SEARCH/REPLACE block for them"
        ]
    return []
