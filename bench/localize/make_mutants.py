"""Generate the benchmark's bugs: single mutations that make some test fail.

For each project: run its tests once unmutated (all must pass), then try
mutations in random order (seeded; operators taken in turn, at most one kept per
function) until `target` of them make a test fail. Each kept mutant is stored
with its JUnit report under <cache>/mutants/<project>/.

Tests run with LocalRunner (a process over a temporary copy): the projects are
pure Python and this is about speed; the Docker runner would give the same
reports. Run from the repository root:

    .venv/bin/python -m bench.localize.make_mutants [--seed 7] [--only toolz]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.localize.mutations import Mutation, mutations_of
from bench.localize.projects import PROJECTS, Project, cache_dir, mutable_modules, source_tree
from bot.core.results import RunSpec
from bot.stages.ingest.junit import parse_report_bytes
from bot.stages.reproduce.testrun import suite_argv
from connectors.sandbox.local import LocalRunner

TEST_COMMAND = (sys.executable, "-m", "pytest")
TIMEOUT_S = 120.0


def run_tests(root: Path, project: Project, overlay: dict[str, str]) -> tuple[bytes | None, float]:
    argv = (*suite_argv((*TEST_COMMAND, *project.pytest_args)), "-o", "addopts=", "--tb=long")
    spec = RunSpec(source=root, argv=argv, overlay=overlay, timeout_s=TIMEOUT_S, env=project.env)
    outcome = LocalRunner(isolate_network=False).run(spec)
    return outcome.report_xml, outcome.seconds


def candidates(project: Project, root: Path, rng: random.Random) -> list[Mutation]:
    by_operator: dict[str, list[Mutation]] = defaultdict(list)
    for path in mutable_modules(project, root):
        for mutation in mutations_of(path, (root / path).read_text()):
            by_operator[mutation.operator].append(mutation)
    for group in by_operator.values():
        rng.shuffle(group)
    ordered: list[Mutation] = []
    while any(by_operator.values()):
        for operator in sorted(by_operator):
            if by_operator[operator]:
                ordered.append(by_operator[operator].pop())
    return ordered


def make(project: Project, *, seed: int) -> int:
    root = source_tree(project)
    out = cache_dir() / "mutants" / project.name
    out.mkdir(parents=True, exist_ok=True)
    baseline, seconds = run_tests(root, project, {})
    report = parse_report_bytes(baseline or b"", source=f"{project.name} baseline")
    if report.failures or not report.cases:
        print(f"{project.name}: baseline not green, skipped", file=sys.stderr)
        return 0
    print(f"{project.name}: {len(report.cases)} tests pass in {seconds:.1f}s", flush=True)
    kept, tried, used_functions = 0, 0, set()
    for mutation in candidates(project, root, random.Random(seed)):
        if kept >= project.target:
            break
        if (mutation.path, mutation.function) in used_functions:
            continue
        tried += 1
        mutated = mutation.apply((root / mutation.path).read_text())
        xml, seconds = run_tests(root, project, {mutation.path: mutated})
        if xml is None:
            continue
        run = parse_report_bytes(xml, source="mutant")
        if not run.failures:
            continue
        used_functions.add((mutation.path, mutation.function))
        kept += 1
        record = {
            "project": project.name,
            "id": f"{project.name}-{kept:03d}",
            "mutation": mutation.__dict__,
            "failing": len(run.failures),
        }
        (out / f"{kept:03d}.json").write_text(json.dumps(record, indent=1))
        (out / f"{kept:03d}.xml").write_bytes(xml)
        print(
            f"  kept {kept:3d}/{tried:3d} {mutation.function}: {mutation.description}"
            f" ({len(run.failures)} failing, {seconds:.1f}s)",
            flush=True,
        )
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    started = time.monotonic()
    total = 0
    for project in PROJECTS:
        if args.only and project.name not in args.only:
            continue
        total += make(project, seed=args.seed)
    print(f"{total} mutants kept in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
