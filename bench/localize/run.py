"""Localize every stored mutant and print recall@1 / recall@5 of the buggy function.

For each project the unmutated sdist is copied to a work tree; each mutant is
written into it, its stored JUnit report (from make_mutants) is read, and
HybridLocalizer analyses the failures with every signal: the coverage run goes
through LocalRunner, the index is a real Chroma store in the bench cache with
the real all-MiniLM-L6-v2 embedder (only the mutated chunk is re-embedded).
Every signal's ranking is saved, so `--refuse RESULTS` can try other fusion
weights without re-running anything.

    .venv/bin/python -m bench.localize.run [--only toolz] [--limit 20]
    .venv/bin/python -m bench.localize.run --refuse results.json [--k 10] [--weight bm25=0.5]
    .venv/bin/python -m bench.localize.run --summary results-a.json results-b.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.localize.mutations import Mutation
from bench.localize.projects import PROJECTS, Project, cache_dir, source_tree
from bot.stages.ingest.junit import parse_report_bytes
from bot.stages.localize.knowledge.fusion import (
    DEFAULT_WEIGHTS,
    RRF_K,
    Ranking,
    confidence,
    reciprocal_rank_fusion,
)
from bot.stages.localize.knowledge.hybrid_localizer import HybridLocalizer, LocalizerOptions
from bot.stages.localize.knowledge.repository import RepositoryKnowledge
from bot.stages.localize.knowledge.signals import chunk_key
from bot.stages.localize.knowledge.spectrum import TestSuite

SIGNALS = ("traceback", "test_calls", "spectrum", "bm25", "embedding")
TEST_COMMAND = (sys.executable, "-m", "pytest")


def localizer_for(project: Project, embedder: Any, client: Any) -> HybridLocalizer:
    from connectors.sandbox.local import LocalRunner
    from connectors.vector.chroma_store import ChromaChunkStore

    store = ChromaChunkStore(client, repository=f"bench-{project.name}", embedder=embedder.name)
    return HybridLocalizer(
        knowledge=RepositoryKnowledge(store, embedder, keep=3),
        runner=LocalRunner(isolate_network=False),
        suite=TestSuite(
            command=(*TEST_COMMAND, *project.pytest_args), env=project.env, timeout_s=180.0
        ),
        options=LocalizerOptions(max_suspects=50),
    )


def localize_mutant(
    localizer: HybridLocalizer, tree: Path, record: dict[str, Any]
) -> dict[str, Any]:
    mutation = Mutation(**record["mutation"])
    xml = (cache_dir() / "mutants" / record["project"] / f"{record['id'][-3:]}.xml").read_bytes()
    target = tree / mutation.path
    original = target.read_text()
    target.write_text(mutation.apply(original))
    try:
        failures = parse_report_bytes(xml, source=record["id"]).failures
        started = time.monotonic()
        result = localizer.analyse(failures, repo=tree)
        seconds = time.monotonic() - started
        _, table = localizer.table(tree)
        truth_chunk = table.at(mutation.path, mutation.line)
    finally:
        target.write_text(original)
    truth = chunk_key(truth_chunk) if truth_chunk else ""
    fused = [item.fused.item for item in result.ranked]
    return {
        "id": record["id"],
        "operator": mutation.operator,
        "function": mutation.function,
        "truth": truth,
        "confidence": result.confidence,
        "seconds": round(seconds, 3),
        "timings": {k: round(v, 4) for k, v in result.seconds.items()},
        "notes": list(result.notes),
        "fused": fused,
        "rankings": {r.signal: list(r.items[:50]) for r in result.rankings},
        "scores": {r.signal: [round(x, 6) for x in r.scores[:50]] for r in result.rankings},
    }


def rank_in(items: Sequence[str], truth: str) -> int | None:
    return items.index(truth) + 1 if truth in items else None


def table(results: Sequence[Mapping[str, Any]], fused_key: str = "fused") -> str:
    rows = [("signal", "recall@1", "recall@5", "found")]
    total = len(results)
    for name in (*SIGNALS, fused_key):
        ranks = [
            rank_in(r[fused_key] if name == fused_key else r["rankings"].get(name, []), r["truth"])
            for r in results
        ]
        at1 = sum(1 for x in ranks if x == 1) / total
        at5 = sum(1 for x in ranks if x is not None and x <= 5) / total
        found = sum(1 for x in ranks if x is not None) / total
        rows.append(
            (name if name != fused_key else "FUSED", f"{at1:.3f}", f"{at5:.3f}", f"{found:.3f}")
        )
    width = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)) for row in rows)


def summary(results: Sequence[Mapping[str, Any]]) -> str:
    lines = [f"{len(results)} mutants", table(results), ""]
    by_project: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    by_operator: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in results:
        by_project[r["id"].rsplit("-", 1)[0]].append(r)
        by_operator[r["operator"]].append(r)
    for label, groups in (("project", by_project), ("operator", by_operator)):
        for name, group in sorted(groups.items()):
            ranks = [rank_in(r["fused"], r["truth"]) for r in group]
            at1 = sum(1 for x in ranks if x == 1) / len(group)
            at5 = sum(1 for x in ranks if x and x <= 5) / len(group)
            lines.append(
                f"{label:8} {name:18} n={len(group):3d}  fused recall@1 {at1:.2f}"
                f"  recall@5 {at5:.2f}"
            )
    sure = [r for r in results if r["confidence"] >= 0.5]
    unsure = [r for r in results if r["confidence"] < 0.5]
    for label, group in (("confidence >= 0.5", sure), ("confidence < 0.5", unsure)):
        if group:
            hit = sum(1 for r in group if rank_in(r["fused"], r["truth"]) == 1) / len(group)
            lines.append(f"{label:18} n={len(group):3d}  fused recall@1 {hit:.2f}")
    query = [r["seconds"] - r["timings"].get("coverage", 0.0) for r in results]
    coverage = [r["timings"].get("coverage", 0.0) for r in results]
    lines.append(
        f"per mutant: re-index + signals p50 {statistics.median(query) * 1000:.0f} ms; "
        f"coverage run p50 {statistics.median(coverage):.1f} s"
    )
    return "\n".join(lines)


def refuse(
    results: list[dict[str, Any]],
    *,
    weights: Mapping[str, float],
    k: float,
    ties: bool,
    gate: float = 1.0,
) -> None:
    for r in results:
        scores = r.get("scores", {}) if ties else {}
        rankings = [
            Ranking(signal, tuple(items), tuple(scores.get(signal, ())))
            for signal, items in r["rankings"].items()
        ]
        fused = reciprocal_rank_fusion(rankings, weights=weights, k=k)
        executed = set(r["rankings"].get("spectrum", []))
        if gate < 1.0 and executed:
            fused = sorted(fused, key=lambda f: -f.score * (1.0 if f.item in executed else gate))
        r["refused"] = [f.item for f in fused]
        r["refused_confidence"] = confidence(fused, rankings, weights=weights)
    print(table(results, fused_key="refused"))
    for threshold in (0.3, 0.4, 0.5, 0.6):
        sure = [r for r in results if r["refused_confidence"] >= threshold]
        unsure = [r for r in results if r["refused_confidence"] < threshold]
        hit = [
            sum(1 for r in g if rank_in(r["refused"], r["truth"]) == 1) / max(1, len(g))
            for g in (sure, unsure)
        ]
        print(
            f"confidence >= {threshold}: n={len(sure):3d} recall@1 {hit[0]:.2f}; "
            f"below: n={len(unsure):3d} recall@1 {hit[1]:.2f}"
        )


def run(only: Sequence[str], limit: int | None, *, out: Path) -> list[dict[str, Any]]:
    from connectors.vector.chroma_store import chroma_client
    from connectors.vector.embedder import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    client = chroma_client(data_dir=cache_dir() / "index", url=None)
    results: list[dict[str, Any]] = []
    for project in PROJECTS:
        if only and project.name not in only:
            continue
        records = [
            json.loads(p.read_text())
            for p in sorted((cache_dir() / "mutants" / project.name).glob("*.json"))
        ]
        tree = cache_dir() / "work" / project.name
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(source_tree(project), tree)
        localizer = localizer_for(project, embedder, client)
        for record in records[:limit]:
            result = localize_mutant(localizer, tree, record)
            rank = rank_in(result["fused"], result["truth"])
            print(
                f"{result['id']:22} fused rank {rank!s:>4}  conf {result['confidence']:.2f}"
                f"  {result['seconds']:.1f}s  {result['function']} ({result['operator']})",
                flush=True,
            )
            results.append(result)
            out.write_text(json.dumps(results, indent=1))  # kept if the run is cut short
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--limit", type=int)
    parser.add_argument("--out", type=Path, default=cache_dir() / "results.json")
    parser.add_argument("--refuse", type=Path, nargs="+", help="re-fuse saved results files")
    parser.add_argument("--summary", type=Path, nargs="+", help="summarize saved results files")
    parser.add_argument("--k", type=float, default=RRF_K)
    parser.add_argument("--no-ties", action="store_true", help="rank tied scores apart")
    parser.add_argument("--gate", type=float, default=1.0, help="factor for unexecuted chunks")
    parser.add_argument("--weight", action="append", default=[], metavar="SIGNAL=W")
    args = parser.parse_args()
    if args.refuse:
        weights = dict(DEFAULT_WEIGHTS)
        weights.update({n: float(w) for n, w in (item.split("=") for item in args.weight)})
        results = [r for path in args.refuse for r in json.loads(path.read_text())]
        refuse(results, weights=weights, k=args.k, ties=not args.no_ties, gate=args.gate)
        return
    if args.summary:
        print(summary([r for path in args.summary for r in json.loads(path.read_text())]))
        return
    results = run(args.only, args.limit, out=args.out)
    print(summary(results))


if __name__ == "__main__":
    main()
