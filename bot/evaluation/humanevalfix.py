"""HumanEvalFix (Python) tasks as tiny repositories.

Each record has a function with a human-written bug. The repository holds the
buggy function in `solution.py` (signature, docstring and buggy body) and, as the
visible failing test, the asserts of the record's `example_test` (the docstring's
examples), one pytest function each. The record's full `check()` is held back as
the hidden test. Examples that already pass on the buggy code stay in the file:
they guard against regressions. A record without usable examples is excluded.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.errors import UsageError
from bot.evaluation.jsonl import jsonl_records
from bot.evaluation.tasks import EvalTask

SUITE = "humanevalfix"
MODULE = "solution.py"
VISIBLE_TEST = "tests/test_solution.py"
HIDDEN_TEST = "hidden_tests/test_check.py"
REQUIRED_FIELDS = ("task_id", "prompt", "buggy_solution", "canonical_solution", "test",
                   "example_test", "entry_point")


@dataclass(frozen=True)
class CheckCode:
    """A `def check(fn): ...` function taken apart."""

    parameter: str
    source: str  # the function definition, verbatim
    units: tuple[str, ...]  # each assert-bearing statement, after the setup lines before it


def parse_check(test_source: str) -> CheckCode | None:
    """The `check` function of a test source, or None when there is none or it does not parse."""
    try:
        module = ast.parse(test_source)
    except SyntaxError:
        return None
    check = next(
        (n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None
    )
    if check is None or not check.args.args:
        return None
    setup: list[str] = []
    units: list[str] = []
    for statement in check.body:
        text = _statement_text(test_source, statement)
        if any(isinstance(node, ast.Assert) for node in ast.walk(statement)):
            units.append("\n".join([*setup, text]))
        elif not _is_docstring(statement):
            setup.append(text)
    source = ast.get_source_segment(test_source, check) or ast.unparse(check)
    return CheckCode(check.args.args[0].arg, source, tuple(units))


def _statement_text(source: str, node: ast.stmt) -> str:
    segment = ast.get_source_segment(source, node, padded=True)
    return textwrap.dedent(segment) if segment is not None else ast.unparse(node)


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def module_names(source: str) -> set[str]:
    """Names a module defines at its top level (functions, classes, imports, assignments)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def free_names(code: str) -> set[str]:
    """Names the code reads but never binds itself."""
    tree = ast.parse(code)
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.Lambda):
            bound.update(a.arg for a in node.args.args)
    return read - bound


def import_lines(code: str, *, solution: str, entry_point: str, parameter: str) -> list[str]:
    """The imports from the solution module the test code needs (as the original namespace had)."""
    wanted = sorted((free_names(code) | {entry_point}) & module_names(solution))
    lines = [f"from solution import {', '.join(wanted)}"]
    if parameter != entry_point and parameter not in wanted:
        lines.append(f"from solution import {entry_point} as {parameter}")
    return lines


def visible_test_module(
    check: CheckCode, *, solution: str, entry_point: str, task_id: str
) -> str:
    body = "\n".join(check.units)
    head = [
        f'"""Examples from the docstring of {entry_point} ({task_id})."""',
        "",
        *import_lines(body, solution=solution, entry_point=entry_point,
                      parameter=check.parameter),
    ]
    tests = [
        f"\n\n\ndef test_example_{number}():\n{textwrap.indent(unit, '    ')}"
        for number, unit in enumerate(check.units, start=1)
    ]
    return "\n".join(head) + "".join(tests) + "\n"


def hidden_test_module(
    check: CheckCode, *, solution: str, entry_point: str, task_id: str
) -> str:
    imports = import_lines(check.source, solution=solution, entry_point=entry_point,
                           parameter=check.parameter)
    return (
        f'"""The held-back tests of {task_id}: its full check()."""\n\n'
        + "\n".join(imports)
        + f"\n\n\n{check.source}\n\n\ndef test_hidden_check():\n    check({entry_point})\n"
    )


def humanevalfix_task(record: Mapping[str, Any]) -> EvalTask:
    missing = [name for name in REQUIRED_FIELDS if not isinstance(record.get(name), str)]
    if missing:
        raise UsageError(f"HumanEvalFix record lacks text field(s) {', '.join(missing)}")
    task_id, entry = str(record["task_id"]), str(record["entry_point"])
    buggy = str(record["prompt"]) + str(record["buggy_solution"])
    correct = str(record["prompt"]) + str(record["canonical_solution"])
    hidden = parse_check(str(record["test"]))
    if hidden is None:
        raise UsageError(f"{task_id}: its `test` field has no check() function that parses")
    examples = parse_check(str(record["example_test"]))
    excluded = "" if examples and examples.units else "no example asserts for a visible test"
    names = {"solution": buggy, "entry_point": entry, "task_id": task_id}
    visible = visible_test_module(examples, **names) if examples and examples.units else ""
    return EvalTask(
        task_id=task_id,
        suite=SUITE,
        files={MODULE: buggy, VISIBLE_TEST: visible},
        reference={MODULE: correct},
        visible_tests=(VISIBLE_TEST,),
        hidden_files={HIDDEN_TEST: hidden_test_module(hidden, **names)},
        hidden_tests=(HIDDEN_TEST,),
        buggy_module=MODULE,
        metadata={"entry_point": entry, "bug_type": str(record.get("bug_type", ""))},
        excluded=excluded,
    )


def load_humanevalfix(path: Path) -> list[EvalTask]:
    """Every record of a HumanEvalFix JSONL file, as tasks, in file order."""
    tasks = []
    for where, record in jsonl_records(path, what="HumanEvalFix file"):
        try:
            tasks.append(humanevalfix_task(record))
        except UsageError as exc:
            raise UsageError(f"{where}: {exc}") from exc
    if not tasks:
        raise UsageError(f"{path}: no tasks in the file")
    return tasks
