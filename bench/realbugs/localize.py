"""Where the developers' fix sits in redfix's ranking, on the real-bug suite.

    .venv/bin/python -m bench.realbugs.localize --built DIR [--only tornado] [--limit 5]
    .venv/bin/python -m bench.realbugs.localize --summary results.json

Per scoreable bug, as the evaluation harness runs it: the project at the buggy commit
becomes a fresh repository, its failing tests run in the local sandbox (network cut)
with the bug's own interpreter, and the hybrid localizer ranks the code from those
failures with every signal the product uses (the coverage run goes through the same
sandbox and interpreter; the index is a real Chroma store with MiniLM embeddings).
A bug counts as found at rank r when the r-th suspect is one of the definitions the
developers' fix changed (the innermost function, method or class around each changed
line of the buggy file); fixes outside any definition are counted apart. "shown" says
whether a changed function was among the spans packed into the model's prompt.
"gate refuses fix" counts the bugs whose developers' fix the repair step's cheap check
(bot.stages.policy.reach: only functions the failing tests never run) would have sent back;
"gate judged", those where coverage saw every failing test, so the check applies.
No projects were used to tune the localizer's weights on: every figure here is held out.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.localize.run import rank_in
from bot.core.results import CodeSpan
from bot.evaluation.realbugs import load_realbugs
from bot.evaluation.runner import eval_settings
from bot.evaluation.taskrepo import TaskRepo, materialize
from bot.evaluation.tasks import EvalTask, scoreable
from bot.stages.apply.symbols import definitions
from bot.stages.localize.knowledge.hybrid_localizer import HybridLocalizer
from bot.stages.localize.knowledge.signals import chunk_key
from bot.stages.localize.knowledge.spectrum import TestSuite
from bot.stages.policy.reach import unreached_edits
from bot.wiring.localizers import open_knowledge, shared_embedder
from connectors.sandbox.local import LocalRunner

CACHE = Path.home() / ".cache" / "redfix" / "realbugs" / "localize"


def changed_lines(buggy: str, fixed: str) -> set[int]:
    """0-based lines of `buggy` the fix replaces or deletes, or inserts after."""
    matcher = difflib.SequenceMatcher(None, buggy.splitlines(), fixed.splitlines(), autojunk=False)
    lines: set[int] = set()
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            lines.update(range(i1, i2))
        elif tag == "insert":
            lines.add(max(i1 - 1, 0))
    return lines


def fixed_definitions(buggy: str, fixed: str) -> set[str]:
    """Qualified names of the innermost definitions around the lines the fix changed."""
    found = definitions(ast.parse(buggy))
    names = set()
    for line in changed_lines(buggy, fixed):
        around = [d for d in found if d.start <= line < d.end]
        if around:
            names.add(max(around, key=lambda d: d.start).qualname)
    return names


def truth_of(task: EvalTask) -> list[str]:
    assert task.base_tree is not None, "a realbugs task is built on its project's tree"
    return sorted(
        f"{path}:{name}"
        for path, fixed in task.reference.items()
        for name in fixed_definitions((task.base_tree / path).read_text(encoding="utf-8"), fixed)
    )


def span_key(span: CodeSpan) -> str:
    return f"{span.path}:{span.symbol}"


def localize_bug(task: EvalTask, runner: LocalRunner, *, work: Path) -> dict[str, Any]:
    repo = materialize(task, work)
    settings = eval_settings(repo, {"test_command": task.test_command}, {},
                             test_args=task.test_args)
    failing = TaskRepo(task, repo, runner, settings.test_command, settings.test_timeout_s)
    report = failing.run_tests(task.visible_tests).report
    failures = report.failures if report is not None else ()
    localizer = HybridLocalizer(
        knowledge=open_knowledge(repo, data_dir=CACHE, chroma_url=None,
                                 embedder=shared_embedder()),
        runner=runner,
        suite=TestSuite(settings.test_command, settings.test_timeout_s),
    )
    started = time.monotonic()
    result = localizer.analyse(failures, repo=repo)
    seconds = time.monotonic() - started
    truth = truth_of(task)
    ranked = [span_key(item.span) for item in result.ranked]
    _, table = localizer.table(repo)
    truth_keys = [chunk_key(c) for c in table.chunks if f"{c.path}:{c.symbol}" in truth]
    return {
        "id": task.task_id,
        "project": task.metadata.get("project", ""),
        "failures": len(failures),
        "truth": truth,
        "rank": min((r for key in truth if (r := rank_in(ranked, key))), default=None),
        "shown": any(span_key(span) in truth for span in result.packed),
        "ranked": ranked[:20],
        "signals": [r.signal for r in result.rankings if r.items],
        "signal_ranks": {r.signal: min((x for k in truth_keys if (x := rank_in(r.items, k))),
                                       default=None) for r in result.rankings},
        "confidence": round(result.confidence, 3),
        "notes": list(result.notes),
        "seconds": round(seconds, 1),
        "timings": {k: round(v, 2) for k, v in result.seconds.items()},
        # The repair step's "never run" gate, on the developers' own fix.
        "reached_known": result.reached is not None,
        "reached": {path: sorted(names) for path, names in (result.reached or {}).items()},
        "gate_on_fix": unreached_edits(buggy_files(task), task.reference, result.reached),
    }


def buggy_files(task: EvalTask) -> dict[str, str | None]:
    assert task.base_tree is not None
    return {path: (task.base_tree / path).read_text(encoding="utf-8") for path in task.reference}


def _rate(ranks: Sequence[int | None], at: int) -> str:
    return f"{sum(1 for r in ranks if r is not None and r <= at)}/{len(ranks)}"


def summary(results: Sequence[Mapping[str, Any]]) -> str:
    rows = [("project", "bugs", "top 1", "top 5", "shown", "no function", "median s",
             "gate judged", "gate refuses fix")]
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for result in results:
        groups[result["project"]].append(result)
    for name, group in [*sorted(groups.items()), ("ALL", list(results))]:
        with_function = [r for r in group if r["truth"]]
        ranks = [r["rank"] for r in with_function]
        rows.append((name, str(len(group)), _rate(ranks, 1), _rate(ranks, 5),
                     f"{sum(1 for r in with_function if r['shown'])}/{len(with_function)}",
                     str(len(group) - len(with_function)),
                     f"{statistics.median(r['seconds'] for r in group):.1f}",
                     str(sum(1 for r in group if r.get("reached_known"))),
                     str(sum(1 for r in group if r.get("gate_on_fix")))))
    width = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(width[i]) for i, c in enumerate(row)) for row in rows)


def run(built: Path, only: Sequence[str], limit: int | None, out: Path) -> list[dict[str, Any]]:
    tasks = [t for t in scoreable(load_realbugs(built))
             if not only or t.metadata.get("project") in only][:limit]
    runner, results = LocalRunner(), []
    for task in tasks:
        with tempfile.TemporaryDirectory(prefix=f"redfix-localize-{task.slug}-") as scratch:
            result = localize_bug(task, runner, work=Path(scratch))
        print(f"{result['id']:14} rank {result['rank']!s:>4}  shown {result['shown']!s:5}  "
              f"{result['seconds']:6.1f}s  {','.join(result['signals'])}", flush=True)
        results.append(result)
        out.write_text(json.dumps(results, indent=1))  # kept if the run is cut short
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--built", type=Path, help="the built suite (bench.realbugs.build --out)")
    parser.add_argument("--only", action="append", default=[], help="one project (repeatable)")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--out", type=Path, default=CACHE / "results.json")
    parser.add_argument("--summary", type=Path, nargs="+", help="summarize saved results")
    args = parser.parse_args()
    if args.summary:
        print(summary([r for path in args.summary for r in json.loads(path.read_text())]))
        return
    if args.built is None:
        parser.error("give --built DIR (or --summary FILE)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    print(summary(run(args.built, args.only, args.limit, args.out)))


if __name__ == "__main__":
    main()
