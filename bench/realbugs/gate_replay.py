"""How often the "never run" gate fires on the candidates real runs produced.

    .venv/bin/python -m bench.realbugs.gate_replay --built DIR --localized results.json \
        --runs OUT [OUT ...]

`results.json` is `bench.realbugs.localize`'s output (it records, per bug, the functions
the failing tests ran); each OUT is a `redfix eval realbugs --out` directory. Every
candidate diff a run recorded (those that applied) is applied again to the buggy files
with `git apply` and put to `bot.stages.policy.reach.unreached_edits`. The table says how many
candidates the gate would have sent back, and how the tests had judged those.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from unidiff import PatchSet

from bot.evaluation.realbugs import load_realbugs
from bot.evaluation.tasks import EvalTask
from bot.stages.policy.reach import unreached_edits
from connectors.git_scratch import apply_patch


def patched_files(task: EvalTask, diff: str) -> tuple[dict[str, str | None], dict[str, str]]:
    """The files `diff` touches, before and after, from the bug's buggy tree."""
    assert task.base_tree is not None
    paths = [f.path for f in PatchSet(diff)]
    with tempfile.TemporaryDirectory(prefix="redfix-gate-") as scratch:
        root = Path(scratch)
        before: dict[str, str | None] = {}
        for path in paths:
            source = task.base_tree / path
            before[path] = source.read_text(encoding="utf-8") if source.is_file() else None
            if before[path] is not None:
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_text(before[path] or "", encoding="utf-8")
        problem = apply_patch(root, diff)
        if problem is not None:
            raise SystemExit(f"gate_replay: a recorded diff no longer applies to "
                             f"{task.task_id}'s buggy files: {problem}")
        after = {path: (root / path).read_text(encoding="utf-8") for path in paths
                 if (root / path).is_file()}
    return before, after


def replay(tasks: Mapping[str, EvalTask], localized: Mapping[str, Mapping[str, Any]],
           runs: Sequence[Path]) -> list[dict[str, Any]]:
    rows = []
    for record_path in sorted(p for run in runs for p in (run / "runs" / "redfix").glob("*.json")):
        record = json.loads(record_path.read_text())
        bug = record["task_id"]
        if bug not in localized or bug not in tasks:
            continue
        reached = {path: frozenset(names) for path, names in localized[bug]["reached"].items()}
        known = localized[bug]["reached_known"]
        for status, diff in zip(record["attempt_statuses"], record["attempt_diffs"], strict=False):
            if not diff:
                continue
            before, after = patched_files(tasks[bug], diff)
            fired = unreached_edits(before, after, reached if known else None)
            rows.append({"bug": bug, "run": record_path.parent.parent.parent.name,
                         "status": status, "fired": bool(fired), "why": fired})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--built", type=Path, required=True)
    parser.add_argument("--localized", type=Path, required=True)
    parser.add_argument("--runs", type=Path, nargs="+", required=True)
    args = parser.parse_args()
    tasks = {t.task_id: t for t in load_realbugs(args.built)}
    localized = {r["id"]: r for r in json.loads(args.localized.read_text())}
    rows = replay(tasks, localized, args.runs)
    fired = Counter(r["status"] for r in rows if r["fired"])
    print(f"candidates with a diff: {len(rows)} "
          f"(bugs {len({r['bug'] for r in rows})}); gate fires on {sum(fired.values())}")
    for status, count in Counter(r["status"] for r in rows).most_common():
        print(f"  {status:18} {count:3}  gate fired on {fired.get(status, 0)}")
    for row in rows:
        if row["fired"]:
            print(f"  {row['bug']} ({row['status']}): {row['why'][0][:160]}")


if __name__ == "__main__":
    main()
