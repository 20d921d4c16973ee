"""The mutation suite: single-mutation bugs in real projects (built by bench/localize).

Its data directory (REDFIX_BENCH_CACHE of bench/localize, ~/.cache/redfix-bench)
holds `src/<project>-<version>/` (the unpacked sdists) and
`mutants/<project>/NNN.json`, each naming one mutation: path, function, line,
col, end_col, old, new, operator. A task is the project with that mutation; its
own test suite is the visible test; the hidden check is that suite again with
`behaviour_oracle` loaded, which holds the mutated function to the original's
behaviour on every call the tests make.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.core.errors import UsageError
from bot.evaluation.tasks import EvalTask

SUITE = "mutation"
ORACLE = "redfix_oracle"
MUTATION_FIELDS = ("path", "function", "line", "col", "end_col", "old", "new")


def apply_mutation(text: str, mutation: Mapping[str, Any], *, where: str) -> str:
    lines = text.split("\n")
    line_number, col, end = int(mutation["line"]), int(mutation["col"]), int(mutation["end_col"])
    if not 1 <= line_number <= len(lines):
        raise UsageError(f"{where}: line {line_number} is outside {mutation['path']}")
    line = lines[line_number - 1]
    if line[col:end] != mutation["old"]:
        raise UsageError(f"{where}: {mutation['path']}:{line_number} does not read "
                         f"{mutation['old']!r} at columns {col}-{end}; rebuild the mutants")
    lines[line_number - 1] = line[:col] + str(mutation["new"]) + line[end:]
    return "\n".join(lines)


def function_source(text: str, qualname: str) -> str | None:
    """The source of a top-level function or a method (`Class.method`), without decorators."""
    body: list[ast.stmt] = ast.parse(text).body
    *owners, name = qualname.split(".")
    for owner in owners:
        found = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        if found is None:
            return None
        body = found.body
    node = next((n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                 and n.name == name), None)
    return ast.get_source_segment(text, node, padded=True) if node else None


def module_name(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    if parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_tree(root: Path, project: str) -> Path:
    trees = [p for p in (root / "src").glob(f"{project}-*")
             if p.is_dir() and p.name[len(project) + 1:][:1].isdigit()]
    if len(trees) != 1:
        raise UsageError(f"{root / 'src'}: expected one unpacked sdist of {project}, found "
                         f"{len(trees)}; run bench/localize's make_mutants first")
    return trees[0]


def mutation_task(record: Mapping[str, Any], *, root: Path, where: str) -> EvalTask:
    mutation = record.get("mutation")
    if not isinstance(mutation, dict) or any(k not in mutation for k in MUTATION_FIELDS):
        raise UsageError(f"{where}: a mutant record needs mutation.{', '.join(MUTATION_FIELDS)}")
    tree = project_tree(root, str(record["project"]))
    path = str(mutation["path"])
    original = (tree / path).read_text(encoding="utf-8")
    source = function_source(original, str(mutation["function"]))
    oracle = {"module": module_name(path), "qualname": str(mutation["function"]),
              "original": source or ""}
    return EvalTask(
        task_id=str(record.get("id", where)),
        suite=SUITE,
        files={path: apply_mutation(original, mutation, where=where)},
        reference={path: original},
        visible_tests=(),
        hidden_files={f"{ORACLE}.py": oracle_plugin_source(),
                      f"{ORACLE}.json": json.dumps(oracle)},
        hidden_tests=("-p", ORACLE),
        buggy_module=path,
        base_tree=tree,
        test_args=("-o", "pythonpath=src") if path.startswith("src/") else (),
        metadata={"project": str(record["project"]), "function": oracle["qualname"],
                  "operator": str(mutation.get("operator", ""))},
        excluded="" if source else f"cannot find {oracle['qualname']} in {path}",
    )


def oracle_plugin_source() -> str:
    return (Path(__file__).parent / "behaviour_oracle.py").read_text(encoding="utf-8")


def load_mutation_suite(root: Path) -> list[EvalTask]:
    """Every stored mutant under `root`/mutants, project by project, in file order."""
    records = sorted((root / "mutants").glob("*/*.json"))
    if not records:
        raise UsageError(f"{root}: no mutants/<project>/NNN.json; run "
                         "`python -m bench.localize.make_mutants` (or point --data elsewhere)")
    tasks = []
    for path in records:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UsageError(f"{path}: not JSON ({exc})") from exc
        tasks.append(mutation_task(record, root=root, where=str(path)))
    return tasks
