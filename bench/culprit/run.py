"""History-aware benchmark: real projects with a green history and one commit that brings a
bug (a mutant of bench/localize), among unrelated commits before and after it.

For each mutant a git repository is built: the project's sdist (green), BEFORE unrelated
commits (a comment appended to another module), the mutant's commit, AFTER unrelated
commits (the first puts a comment at the top of the mutated module, so its lines move).
redfix's culprit stage then bisects the failing tests from the first commit to HEAD in the
local sandbox, and both localizers rank the code with and without the culprit's lines.
With `--noise N` the mutant's commit also puts a comment into N other functions (of any
module, the mutated one included): a larger culprit diff, most of it innocent.

    python -m bench.culprit.run [--only inflection] [--mutants 8] [--noise 3] [--json F]

Reported per project: culprit found (the exact commit), bisect time and test runs, and
top-1 / top-5 of the mutated function for the hybrid localizer (traceback, test calls,
BM25, spectrum; no embedding index) and the traceback localizer, without and with the
culprit signal.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.localize.make_mutants import candidates
from bench.localize.mutations import Mutation
from bench.localize.projects import PROJECTS, Project, mutable_modules, source_tree
from bot.core.history import Culprit
from bot.core.ports import SilentProgress
from bot.core.results import TestCase
from bot.stages.culprit.search import Limits
from bot.stages.culprit.stage import search_culprit
from bot.stages.localize.knowledge.hybrid_localizer import HybridLocalizer, LocalizerOptions
from bot.stages.localize.knowledge.spectrum import TestSuite
from bot.stages.localize.traceback_localizer import TracebackLocalizer
from bot.stages.reproduce.suite import Suite
from connectors.git_history import GitHistory
from connectors.sandbox.local import LocalRunner

DEFAULT_PROJECTS = ("inflection", "cachetools", "toolz")
BEFORE, AFTER = 4, 3
TIMEOUT_S = 120.0


def command_for(project: Project) -> tuple[str, ...]:
    pythonpath = ("-o", f"pythonpath={project.env['PYTHONPATH']}") if project.env else ()
    return (sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=",
            *pythonpath, *project.pytest_args)


def git(repo: Path, *args: str) -> str:
    identity = ("-c", "user.name=Bench", "-c", "user.email=bench@localhost")
    return subprocess.run(["git", "-C", str(repo), *identity, *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def commit(repo: Path, message: str, files: dict[str, str]) -> str:
    for path, text in files.items():
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def noted(repo: Path, path: str, number: int, *, top: bool = False) -> dict[str, str]:
    text = (repo / path).read_text()
    note = f"# maintenance note {number}\n"
    return {path: note + text if top else text.rstrip("\n") + "\n" + note}


def touch_function(text: str, rng: random.Random, avoid: int) -> tuple[str, int | None]:
    """`text` with a comment put at the top of one random function body (not the one
    holding line `avoid`), and the line it went in at (None when no function fits)."""
    functions = [
        node for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body[0].lineno > node.lineno
        and not node.lineno <= avoid <= (node.end_lineno or node.lineno)
    ]
    if not functions:
        return text, None
    first = rng.choice(functions).body[0]
    lines = text.split("\n")
    lines.insert(first.lineno - 1, " " * first.col_offset + "# reviewed in passing")
    return "\n".join(lines), first.lineno


def bug_commit_files(
    repo: Path, modules: list[str], mutation: Mutation, rng: random.Random, noise: int
) -> tuple[dict[str, str], int]:
    """The mutant's files, `noise` other functions touched too; how far its line moved."""
    files = {mutation.path: mutation.apply((repo / mutation.path).read_text())}
    moved = 0
    for _ in range(noise):
        path = rng.choice(modules)
        text = files.get(path) or (repo / path).read_text()
        avoid = mutation.line + moved if path == mutation.path else 0
        files[path], at = touch_function(text, rng, avoid)
        if path == mutation.path and at is not None and at <= mutation.line + moved:
            moved += 1
    return files, moved


def build_history(
    work: Path, tree: Path, modules: list[str], mutation: Mutation, rng: random.Random,
    noise: int = 0,
) -> tuple[Path, list[str], str, int]:
    """The repository, its commits (green first), the mutant's commit, and the line the
    mutated line stands at in the last commit."""
    repo = work / "repo"
    shutil.copytree(tree, repo)
    git(repo, "init", "-q", "-b", "main")
    shas = [commit(repo, "green", {})]
    others = [m for m in modules if m != mutation.path] or [mutation.path]
    for number in range(BEFORE):
        shas.append(commit(repo, f"chore: note {number}", noted(repo, rng.choice(others), number)))
    files, moved = bug_commit_files(repo, modules, mutation, rng, noise)
    bug = commit(repo, f"change {mutation.function}", files)
    shas.append(bug)
    for number in range(AFTER):
        path = mutation.path if number == 0 else rng.choice(others)
        shas.append(commit(repo, f"chore: later {number}",
                           noted(repo, path, BEFORE + number, top=number == 0)))
    return repo, shas, bug, mutation.line + moved + 1  # the first later commit adds a line


def rank_of_span(spans: Any, path: str, line: int) -> int | None:
    suspects = [s for s in spans if "test" not in s.path.split("/")[0]]
    for rank, span in enumerate(suspects, start=1):
        if span.path == path and span.start <= line <= span.end:
            return rank
    return None


def localize(project: Project, repo: Path, failures: tuple[TestCase, ...],
             culprit: Culprit | None, path: str, line: int) -> dict[str, Any]:
    hybrid = HybridLocalizer(
        runner=LocalRunner(isolate_network=False),
        suite=TestSuite(command=command_for(project), env=project.env, timeout_s=TIMEOUT_S),
        options=LocalizerOptions(max_suspects=50),
    )
    _, table = hybrid.table(repo)
    spectrum, _ = hybrid.measure_spectrum(list(failures)[:5], repo=repo, table=table)
    truth = table.at(path, line)
    key = f"{truth.path}:{truth.start}" if truth else ""
    ranks: dict[str, Any] = {}
    for name, blame in (("without", None), ("with", culprit)):
        report = hybrid.analyse(failures, repo=repo, spectrum=spectrum, culprit=blame)
        items = [r.fused.item for r in report.ranked]
        ranks[f"hybrid_{name}"] = items.index(key) + 1 if key in items else None
        spans = TracebackLocalizer().localize(failures, repo=repo, culprit=blame).spans
        ranks[f"traceback_{name}"] = rank_of_span(spans, path, line)
    return ranks


def run_mutant(project: Project, tree: Path, modules: list[str], mutation: Mutation,
               rng: random.Random, noise: int) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory(prefix="redfix-culprit-bench-") as scratch:
        repo, shas, bug, line = build_history(Path(scratch), tree, modules, mutation, rng,
                                              noise)
        suite = Suite(LocalRunner(isolate_network=False), repo, command_for(project), TIMEOUT_S)
        report = suite.run().report
        failures = report.failures if report else ()
        if not failures:
            return None  # the mutant breaks no test once committed: not a bug here
        started = time.monotonic()
        found = search_culprit(shas[0], failures, suite=suite, history=GitHistory(), reruns=1,
                               progress=SilentProgress(), limits=Limits(12, 900.0))
        seconds = time.monotonic() - started
        culprit = found.culprit
        result = {
            "project": project.name, "function": mutation.function,
            "operator": mutation.operator, "commits": len(shas) - 1,
            "found": culprit is not None and culprit.commit.sha == bug,
            "note": found.note, "bisect_s": round(seconds, 2), "runs": len(found.steps),
        }
        result["culprit_lines"] = culprit.changed_lines if culprit else 0
        result.update(localize(project, repo, failures, culprit, mutation.path, line))
        return result


def run_project(project: Project, *, mutants: int, seed: int, noise: int) -> list[dict[str, Any]]:
    tree = source_tree(project)
    modules = mutable_modules(project, tree)
    rng = random.Random(seed)
    results: list[dict[str, Any]] = []
    used: set[tuple[str, str]] = set()
    for mutation in candidates(project, tree, random.Random(seed)):
        if len(results) >= mutants:
            break
        if (mutation.path, mutation.function) in used:
            continue
        used.add((mutation.path, mutation.function))
        result = run_mutant(project, tree, modules, mutation, rng, noise)
        if result is not None:
            results.append(result)
            print(f"  {project.name} {mutation.function}: culprit "
                  f"{'found' if result['found'] else 'MISSED'} in {result['bisect_s']}s "
                  f"({result['runs']} commits tested)", flush=True)
    return results


def top(results: list[dict[str, Any]], key: str, k: int) -> str:
    hits = sum(1 for r in results if r[key] is not None and r[key] <= k)
    return f"{100 * hits / len(results):.0f}%"


def table(results: list[dict[str, Any]]) -> str:
    header = ("| project | mutants | culprit found | bisect s (median) | commits tested (median) | "
              "hybrid top-1 / top-5 without | with culprit | traceback top-1 / top-5 without "
              "| with culprit |")
    rows = [header, "|" + " --- |" * 9]
    groups = {name: [r for r in results if r["project"] == name]
              for name in dict.fromkeys(r["project"] for r in results)}
    groups["all"] = results
    for name, group in groups.items():
        if not group:
            continue
        found = sum(1 for r in group if r["found"])
        rows.append(
            f"| {name} | {len(group)} | {found}/{len(group)} "
            f"| {statistics.median(r['bisect_s'] for r in group):.1f} "
            f"| {statistics.median(r['runs'] for r in group):g} "
            f"| {top(group, 'hybrid_without', 1)} / {top(group, 'hybrid_without', 5)} "
            f"| {top(group, 'hybrid_with', 1)} / {top(group, 'hybrid_with', 5)} "
            f"| {top(group, 'traceback_without', 1)} / {top(group, 'traceback_without', 5)} "
            f"| {top(group, 'traceback_with', 1)} / {top(group, 'traceback_with', 5)} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--mutants", type=int, default=8, help="per project")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write every mutant's result here")
    parser.add_argument("--noise", type=int, default=0, metavar="N",
                        help="the bug's commit also touches N other functions (a comment)")
    args = parser.parse_args()
    names = args.only or list(DEFAULT_PROJECTS)
    results: list[dict[str, Any]] = []
    for project in PROJECTS:
        if project.name in names:
            results += run_project(project, mutants=args.mutants, seed=args.seed,
                                   noise=args.noise)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    print(table(results) if results else "no mutant broke a test")


if __name__ == "__main__":
    main()
