"""Check each built bug offline, as the harness will run it: failing before, passing after.

    python -m bench.realbugs.verify --built ~/.cache/redfix/realbugs/built

Per bug, through the harness's local sandbox (network cut) and the suite's test command:
1. the BugsInPy failing tests fail at the buggy commit with the fixed test files;
2. they pass with the developers' fixed source files overlaid;
3. the whole fixed test file(s) pass there, but for tests that fail on the fixed commit
   in this environment too: those are recorded as `deselect` (they fail with the fix).
Each bug's `deselect`, `excluded` and `verified` go back into bugs.jsonl and the built list.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.realbugs.build import BUGS, read_bugs
from bot.core.results import RunOutcome, RunSpec, Termination
from bot.evaluation.realbugs import REFERENCE, deselect_args, test_command
from bot.stages.ingest.junit import parse_report_bytes
from bot.stages.reproduce.testrun import node_id, suite_argv
from connectors.sandbox.local import LocalRunner

TIMEOUT_S = 600.0


def read_tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for p in root.rglob("*") if p.is_file()}


def failed_nodes(outcome: RunOutcome, repo: Path) -> list[str]:
    """Node ids of the failed and erroring cases of a run's report."""
    if outcome.report_xml is None:
        return []
    report = parse_report_bytes(outcome.report_xml, source="verification")
    return [node_id(case, repo) or f"{case.classname}::{case.name}" for case in report.failures]


def passed(outcome: RunOutcome) -> bool:
    return outcome.termination is Termination.EXITED and outcome.exit_code == 0


def tail(outcome: RunOutcome) -> str:
    return " | ".join(outcome.output.strip().splitlines()[-3:])[:300]


def verify_bug(bug: Mapping[str, Any], built: Path, runner: LocalRunner) -> dict[str, Any]:
    """The verification fields of one bug: excluded ("" when verified) and deselect."""
    interpreter, failing = str(bug.get("interpreter", "")), list(bug["failing_tests"])
    if not interpreter:
        return {"excluded": bug.get("excluded") or "no test interpreter", "deselect": []}
    tree, tests = built / bug["id"], list(bug["test_files"])
    fix = read_tree(built / REFERENCE / bug["id"])

    def run(targets: Sequence[str], overlay: Mapping[str, str]) -> RunOutcome:
        argv = suite_argv(test_command(interpreter), node_ids=targets)
        return runner.run(RunSpec(source=tree, argv=argv, overlay=dict(overlay),
                                  timeout_s=TIMEOUT_S))

    buggy = run(failing, {})
    if passed(buggy):
        return {"excluded": "the failing tests pass on the buggy code", "deselect": []}
    if buggy.report_xml is None:
        return {"excluded": f"no test report on the buggy code: {tail(buggy)}", "deselect": []}
    fixed = run(failing, fix)
    if not passed(fixed):
        return {"excluded": f"the failing tests fail on the fix too: {tail(fixed)}",
                "deselect": []}
    deselect = [n for n in failed_nodes(run(tests, fix), tree) if n not in failing]
    again = run([*deselect_args(deselect), *tests], fix)
    if not passed(again):
        return {"excluded": f"the fixed test files fail on the fix: {tail(again)}",
                "deselect": deselect}
    return {"excluded": "", "deselect": deselect}


def record_result(bugs: Path, bug_id: str, result: Mapping[str, Any]) -> None:
    """Update one record of a bug list in place (verifications may run side by side)."""
    with bugs.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        records = read_bugs(bugs)
        for record in records:
            if record["id"] == bug_id:
                record.update(result)
        bugs.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--built", type=Path, required=True, help="build.py's --out")
    parser.add_argument("--bugs", type=Path, default=BUGS, help="the list to update")
    parser.add_argument("--only", default="", help="comma-separated bug ids")
    args = parser.parse_args(argv)
    wanted = {b for b in args.only.split(",") if b}
    runner = LocalRunner()
    for bug in read_bugs(args.built / "bugs.jsonl"):
        if wanted and bug["id"] not in wanted:
            continue
        result = verify_bug(bug, args.built, runner)
        result["verified"] = not result["excluded"]
        record_result(args.bugs, bug["id"], result)
        record_result(args.built / "bugs.jsonl", bug["id"], result)
        deselect = f" (deselect {len(result['deselect'])})" if result["deselect"] else ""
        print(f"{bug['id']}: {result['excluded'] or 'verified'}{deselect}", file=sys.stderr,
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
