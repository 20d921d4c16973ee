"""The realbugs suite: real bugs of real projects (BugsInPy), rebuilt by bench/realbugs.

Its data directory (REDFIX_REALBUGS, the `--out` of `python -m bench.realbugs.build`) holds
`bugs.jsonl` (one record per bug, with its test interpreter), `<id>/` (the project at the
buggy commit with the fixed commit's test files written over it: the tree CI ran) and
`_reference/<id>/` (the developers' fixed version of the source files they changed).

CI is the fixed test file(s) run with the bug's own interpreter (a venv of the project's
pinned requirements), less the tests that fail offline even with the fix. The visible
tests are BugsInPy's failing tests; the hidden check runs the whole fixed test file(s)
again plus the bug's `extra_tests` (other test modules that pass on the fix).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.core.errors import UsageError
from bot.evaluation.jsonl import jsonl_records
from bot.evaluation.tasks import EvalTask

SUITE = "realbugs"
REFERENCE = "_reference"
BUGS = "bugs.jsonl"
REQUIRED_FIELDS = ("id", "project", "test_files", "failing_tests", "changed_files")
# The local sandbox cuts the network with a new namespace whose loopback is down; the
# projects' tests talk to servers they start on 127.0.0.1, so the command brings it up
# first (harmless where it is up already, or where `ip` is missing).
LOOPBACK_UP = ("/bin/sh", "-c", 'ip link set lo up 2>/dev/null; exec "$@"', "realbugs-test")


def test_command(interpreter: str) -> tuple[str, ...]:
    """The pytest of the bug's own environment, run with the loopback interface up."""
    return (*LOOPBACK_UP, interpreter, "-m", "pytest")


def deselect_args(nodes: Sequence[str]) -> tuple[str, ...]:
    return tuple(arg for node in nodes for arg in ("--deselect", node))


def _read_tree(root: Path, paths: Sequence[str], *, where: str) -> dict[str, str]:
    files = {}
    for path in paths:
        try:
            files[path] = (root / path).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{where}: cannot read {root / path} ({exc.strerror}); "
                             "rebuild with `python -m bench.realbugs.build`") from exc
    return files


def _strings(record: Mapping[str, Any], name: str, *, where: str) -> list[str]:
    value = record.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: {name} should be a list of strings")
    return value


def excluded_reason(record: Mapping[str, Any], checkout: Path) -> str:
    if record.get("excluded"):
        return str(record["excluded"])
    if not record.get("interpreter"):
        return "no test interpreter: build without --no-venvs"
    if not Path(str(record["interpreter"])).is_file():
        return f"the interpreter {record['interpreter']} is gone: run the build again"
    if not checkout.is_dir():
        return f"{checkout} is not built"
    return ""


def realbug_task(record: Mapping[str, Any], *, root: Path, where: str) -> EvalTask:
    """One bug record of the built directory `root` as a task."""
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    if missing:
        raise UsageError(f"{where}: a realbugs record needs {', '.join(missing)}")
    bug_id = str(record["id"])
    checkout = root / bug_id
    sources = _strings(record, "changed_files", where=where)
    tests = _strings(record, "test_files", where=where)
    if not sources:
        raise UsageError(f"{where}: {bug_id} names no changed source file")
    excluded = excluded_reason(record, checkout)
    if excluded:  # never run: its files may be missing (the reason says why)
        files: dict[str, str] = {}
        reference: dict[str, str] = {}
    else:
        files = _read_tree(checkout, [*tests, sources[0]], where=where)
        reference = _read_tree(root / REFERENCE / bug_id, sources, where=where)
    deselect = deselect_args(_strings(record, "deselect", where=where))
    return EvalTask(
        task_id=bug_id,
        suite=SUITE,
        files=files,
        reference=reference,
        visible_tests=tuple(_strings(record, "failing_tests", where=where)),
        hidden_files={},
        hidden_tests=tuple(_strings(record, "extra_tests", where=where)),
        buggy_module=sources[0],
        metadata={"project": str(record["project"]),
                  "origin": str(record.get("repository", "")),
                  "fixed_commit": str(record.get("fixed_commit", "")),
                  "functions": ",".join(_functions(record))},
        test_args=(*deselect, *tests),
        test_command=test_command(str(record.get("interpreter", ""))),
        base_tree=checkout if checkout.is_dir() else None,
        excluded=excluded,
    )


def _functions(record: Mapping[str, Any]) -> list[str]:
    changed = record.get("changed_functions") or {}
    return [f"{path}:{name}" for path, names in dict(changed).items() for name in names]


def load_realbugs(root: Path) -> list[EvalTask]:
    """Every bug of `root`/bugs.jsonl, in file order."""
    path = root / BUGS
    records = jsonl_records(path, what="built bug list", how_to_fix="; build it with "
                            "`python -m bench.realbugs.build --out DIR`")
    tasks = [realbug_task(record, root=root, where=where) for where, record in records]
    if not tasks:
        raise UsageError(f"{path}: no bugs in the file")
    return tasks
