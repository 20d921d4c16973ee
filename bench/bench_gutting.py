"""Would the gutting check (bot/stages/policy/gutting.py) send back a right fix?

It runs the check over the developers' own fixes, buggy source -> fixed source: every
refusal there is a right fix the check would have refused. Suites: HumanEvalFix
(buggy solution -> canonical solution) and a built realbugs directory (the buggy
checkout -> the developers' fixed files).

    .venv/bin/python bench/bench_gutting.py \
        --humanevalfix ../shared/bench/humanevalfix-python.jsonl \
        --realbugs ~/.cache/redfix/realbugs/built
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluation.humanevalfix import load_humanevalfix  # noqa: E402
from bot.evaluation.realbugs import load_realbugs  # noqa: E402
from bot.evaluation.tasks import EvalTask  # noqa: E402
from bot.stages.policy.gutting import LONG_FUNCTION_LINES, function_lengths, gutted_functions  # noqa: E402


def pairs(task: EvalTask) -> list[tuple[str, str, str]]:
    """(path, buggy, fixed) for each source file the reference fixes."""
    buggy_root = task.base_tree
    found = []
    for path, fixed in task.reference.items():
        buggy = task.files.get(path)
        if buggy is None and buggy_root is not None and (buggy_root / path).is_file():
            buggy = (buggy_root / path).read_text(encoding="utf-8")
        if buggy is not None:
            found.append((path, buggy, fixed))
    return found


def measure(name: str, tasks: list[EvalTask]) -> tuple[str, int, int, int, list[str]]:
    checked = judged = 0
    refused: list[str] = []
    for task in tasks:
        for path, buggy, fixed in pairs(task):
            checked += 1
            lengths = function_lengths(buggy) or {}
            if any(lines >= LONG_FUNCTION_LINES for lines in lengths.values()):
                judged += 1
            reasons = gutted_functions({path: buggy}, {path: fixed})
            refused.extend(f"{task.task_id}: {reason}" for reason in reasons)
    return name, checked, judged, len(refused), refused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--humanevalfix", type=Path)
    parser.add_argument("--realbugs", type=Path, help="a built realbugs directory")
    args = parser.parse_args()
    rows = []
    if args.humanevalfix:
        rows.append(measure("HumanEvalFix (Python)", load_humanevalfix(args.humanevalfix)))
    if args.realbugs:
        built = [t for t in load_realbugs(args.realbugs) if t.reference]
        rows.append(measure("realbugs (built)", built))
    print("| suite | fixed files | with a function of 20+ lines | right fixes refused |")
    print("|---|---:|---:|---:|")
    for name, checked, judged, refused, _ in rows:
        print(f"| {name} | {checked} | {judged} | {refused} |")
    for *_, reasons in rows:
        for reason in reasons:
            print(f"refused: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
