"""Tests for an existing change (someone's PR): what changed, where its test goes."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from bot.core.errors import UsageError
from bot.core.sourcefiles import is_test_path, python_files, read_source


@dataclass(frozen=True)
class ChangedDefinition:
    path: str
    symbol: str


def _added_lines(diff: str) -> dict[str, set[int]]:
    try:
        patch = PatchSet(diff)
    except UnidiffParseError as exc:
        raise UsageError(f"cannot read the change as a diff: {exc}") from exc
    added: dict[str, set[int]] = {}
    for patched in patch:
        path = patched.path
        if patched.is_removed_file or not path.endswith(".py") or is_test_path(path):
            continue
        lines = {line.target_line_no for hunk in patched for line in hunk if line.is_added}
        added[path] = {n for n in lines if n is not None}
    return added


def changed_definitions(diff: str, *, read: Callable[[str], str | None]) -> list[ChangedDefinition]:
    """Innermost functions (else classes) of non-test Python files with added lines."""
    found: list[ChangedDefinition] = []
    for path, lines in _added_lines(diff).items():
        text = read(path)
        if text is None:
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if any(node.lineno <= n <= (node.end_lineno or node.lineno) for n in lines):
                found.append(ChangedDefinition(path, node.name))
    return found


def target_test_file(module_path: str, repo: Path) -> str:
    """An existing test file that imports the module, else a new one beside the others."""
    module = module_path.removesuffix(".py").replace("/", ".")
    stem = module.rsplit(".", 1)[-1]
    for path in python_files(repo):
        if is_test_path(path) and path.endswith(".py"):
            text = read_source(repo, path) or ""
            if f"import {module}" in text or f"from {module} import" in text:
                return path
    folder = "tests" if (repo / "tests").is_dir() else "."
    return f"{folder}/test_{stem}_change.py".removeprefix("./")
