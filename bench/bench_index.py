"""How fast redfix indexes a repository and answers a localization query, and in what memory.

Builds a tree of about 50,000 lines of real Python from the sdists the
localization benchmark uses (cached outside the repository, see
bench/localize/projects.py), then measures with a fresh Chroma store:

  * the first localization with a fresh store, embedding on demand (as `redfix fix` and
    `redfix localize` do: only the chunks the other signals point at are embedded);
  * the full index (as `redfix index` does), excluding the model load (reported apart);
  * a re-index after one file changed (a fresh RepositoryKnowledge: nothing cached
    in memory, as in a new `redfix index` process);
  * localize queries without the coverage run: p50 and p90 over --queries failures;
  * the peak resident memory of the process.

    .venv/bin/python bench/bench_index.py [--queries 30] [--repo DIR]

`--repo` measures a copy of a real repository instead of the built tree.
Targets: first localization < 30 s, full index < 60 s, re-index < 2 s, query p50 < 200 ms,
peak < 1.5 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.localize.projects import EXTRA_FOR_INDEX, PROJECTS, source_tree
from bot.core.chunks import Chunk
from bot.core.results import Outcome, TestCase
from bot.core.sourcefiles import is_test_path
from bot.stages.localize.knowledge.hybrid_localizer import HybridLocalizer
from bot.stages.localize.knowledge.indexing import index_repository
from bot.stages.localize.knowledge.repository import RepositoryKnowledge
from connectors.vector.chroma_store import ChromaChunkStore, chroma_client
from connectors.vector.embedder import MiniLMEmbedder


def copy_repo(source: Path, root: Path) -> int:
    shutil.copytree(source, root, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "__pycache__"))
    return sum(p.read_text(errors="replace").count("\n") for p in root.rglob("*.py")
               if p.is_file())


def first_localization(root: Path, data: Path, embedder: Any) -> tuple[float, int]:
    """Seconds of a first localization with an empty store, and the chunks it embedded."""
    store = ChromaChunkStore(chroma_client(data_dir=data, url=None), repository="first",
                             embedder=embedder.name)
    knowledge = RepositoryKnowledge(store, embedder, embed_on_demand=True)
    started = time.monotonic()
    snapshot = knowledge.snapshot(root)
    tests = [c for c in snapshot.chunks if is_test_path(c.path) and c.name.startswith("test")]
    suspects = [c for c in snapshot.chunks
                if not is_test_path(c.path) and c.kind in ("function", "method")]
    case = failure_for(tests[0], suspects[len(suspects) // 2], root)
    HybridLocalizer(knowledge=knowledge).analyse([case], repo=root, measure_spectrum=False)
    return time.monotonic() - started, len(store.stored_ids())


def build_tree(root: Path) -> int:
    lines = 0
    for project in (*PROJECTS, *EXTRA_FOR_INDEX):
        source = source_tree(project)
        for path in sorted(source.rglob("*.py")):
            relative = path.relative_to(source)
            if relative.parts[0] in ("docs", "build") or relative.name == "setup.py":
                continue
            target = root / project.name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            lines += path.read_text(errors="replace").count("\n")
    return lines


def failure_for(test: Chunk, suspect: Chunk, root: Path) -> TestCase:
    module = test.path.removesuffix(".py").replace("/", ".")
    classname, _, name = f"{module}.{test.symbol}".rpartition(".")
    traceback = (f"{root / test.path}:{test.start + 1}: in {test.name}\n"
                 f"{root / suspect.path}:{suspect.start + 1}: in {suspect.name}\n"
                 f"E   ValueError: bad value from {suspect.name}")
    return TestCase(classname, name, Outcome.FAILED, message="ValueError: bad value",
                    traceback=traceback)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--repo", type=Path, help="a real repository to measure instead")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="redfix-bench-index-") as scratch:
        root = Path(scratch) / "repo"
        lines = copy_repo(args.repo, root) if args.repo else build_tree(root)
        started = time.monotonic()
        embedder = MiniLMEmbedder()
        rows.append(("model load", f"{time.monotonic() - started:.1f} s", "(excluded)"))
        seconds, embedded = first_localization(root, Path(scratch) / "first", embedder)
        rows.append((f"first localization, {lines} lines, on demand", f"{seconds:.1f} s",
                     "< 30 s"))
        rows.append(("  chunks embedded", str(embedded), ""))

        client = chroma_client(data_dir=Path(scratch) / "data", url=None)
        store = ChromaChunkStore(client, repository="bench", embedder=embedder.name)
        full = index_repository(root, store=store, embedder=embedder).stats
        rows.append((f"full index, {lines} lines, {full.files} files",
                     f"{full.seconds:.1f} s", "< 60 s"))
        rows.append(("  chunks / embedded", f"{full.chunks} / {full.embedded}", ""))

        changed = next(p for p in sorted(root.rglob("*.py")) if p.is_file()
                       and not is_test_path(p.relative_to(root).as_posix())
                       and "\ndef " in p.read_text(errors="replace"))
        changed.write_text(changed.read_text(errors="replace").replace("\ndef ", "\ndef  ", 1))
        knowledge = RepositoryKnowledge(
            ChromaChunkStore(client, repository="bench", embedder=embedder.name), embedder)
        again = knowledge.snapshot(root).stats
        rows.append(("re-index after one file changed", f"{again.seconds:.2f} s", "< 2 s"))
        rows.append(("  files parsed / chunks embedded",
                     f"{again.parsed_files} / {again.embedded}", ""))

        snapshot = knowledge.snapshot(root)
        tests = [c for c in snapshot.chunks if is_test_path(c.path) and c.name.startswith("test")]
        suspects = [c for c in snapshot.chunks
                    if not is_test_path(c.path) and c.kind in ("function", "method")]
        rng = random.Random(3)
        localizer = HybridLocalizer(knowledge=knowledge)
        localizer.analyse([failure_for(tests[0], suspects[0], root)], repo=root)  # warm-up
        times = []
        for _ in range(args.queries):
            case = failure_for(rng.choice(tests), rng.choice(suspects), root)
            began = time.monotonic()
            localizer.analyse([case], repo=root, measure_spectrum=False)
            times.append(time.monotonic() - began)
        times.sort()
        rows.append((f"localize query p50 ({args.queries} queries)",
                     f"{statistics.median(times) * 1000:.0f} ms", "< 200 ms"))
        rows.append(("localize query p90", f"{times[int(len(times) * 0.9)] * 1000:.0f} ms", ""))
        rows.append(("peak resident memory", f"{peak_mb():.0f} MB", "< 1536 MB"))
    width = max(len(row[0]) for row in rows)
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value:>14}  {target}")


if __name__ == "__main__":
    main()
