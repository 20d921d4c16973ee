"""Hybrid fault localization: five signals, fused, packed into the prompt budget.

Signals: traceback frames, what the failing tests call, spectrum-based scores
from a coverage run in the sandbox (Ochiai), BM25 over identifiers, and
embedding search. Each ranks the repository's non-test chunks; reciprocal rank
fusion combines them; the failing tests are added as context after the best
suspect; confidence says whether the signals agree.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.chunks import Chunk
from bot.core.history import Culprit
from bot.core.models import LocalizerMethod
from bot.core.ports import SandboxRunner
from bot.core.results import TestCase
from bot.stages.localize.knowledge.coverage_reach import reached_functions, starts_processes
from bot.stages.localize.knowledge.files import chunk_file, source_files
from bot.stages.localize.knowledge.fusion import (
    DEFAULT_WEIGHTS,
    RRF_K,
    Fused,
    Ranking,
    confidence,
    reciprocal_rank_fusion,
)
from bot.stages.localize.knowledge.indexing import files_key
from bot.stages.localize.knowledge.localization_report import (
    LocalizationReport,
    RankedSpan,
    _span,
    _why,
    presentation_order,
)
from bot.stages.localize.knowledge.packing import code_budget_tokens, pack_spans
from bot.stages.localize.knowledge.repository import RepositoryKnowledge
from bot.stages.localize.knowledge.signals import (
    ChunkTable,
    bm25_ranking,
    call_ranking,
    chunk_key,
    culprit_ranking,
    failing_test_chunk,
    is_test_support,
    spectrum_ranking,
    traceback_ranking,
)
from bot.stages.localize.knowledge.spectrum import (
    Spectrum,
    TestSuite,
    coverage_spec,
    identity_of_test,
    parse_coverage_json,
)
from bot.stages.localize.traceback_localizer import Localization
from bot.stages.reproduce.suite import Suite

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 8000
TEST_SUPPORT_FACTOR = 0.3
EMBEDDING_POOL = 50
MAX_EMBEDDING_QUERY_CHARS = 1500


@dataclass(frozen=True)
class LocalizerOptions:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    rrf_k: float = RRF_K
    budget_tokens: int = code_budget_tokens(8192)
    max_suspects: int = 20
    max_failures: int = 5
    max_test_files: int = 8
    embedding_candidates: int = 50


def failure_query(failures: Sequence[TestCase], tests: Sequence[Chunk], *, limit: int) -> str:
    parts: list[str] = []
    for case in failures:
        parts.extend([case.name, case.message, case.traceback[-3000:]])
    parts.extend(test.text for test in tests)
    return "\n".join(parts)[:limit]


class HybridLocalizer:
    """The `Localizer` of the repository-knowledge issue; ports come in through the constructor.

    Without `knowledge` the embedding signal is left out and the repository is
    chunked in memory; without `runner` (or for non-pytest suites) the spectrum is.
    """

    def __init__(
        self,
        *,
        knowledge: RepositoryKnowledge | None = None,
        runner: SandboxRunner | None = None,
        suite: TestSuite | None = None,
        options: LocalizerOptions | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.runner = runner
        self.suite = suite or TestSuite()
        self.options = options or LocalizerOptions()
        self._tables: dict[str, ChunkTable] = {}

    def localize(
        self,
        failures: Sequence[TestCase],
        *,
        repo: Path,
        suite: Suite | None = None,
        culprit: Culprit | None = None,
    ) -> Localization:
        if suite is not None:  # the pipeline's suite: coverage runs as its tests do
            self.runner = suite.runner
            self.suite = TestSuite(
                suite.command, suite.timeout_s, {}, suite.setup, suite.dependency_files
            )
        report = self.analyse(failures, repo=repo, culprit=culprit)
        return Localization(report.packed, report.confidence, self.method(report), report.reached)

    def method(self, report: LocalizationReport) -> LocalizerMethod:
        """The hybrid localizer, the signals that ranked something, and the index searched."""
        signals = tuple(r.signal for r in report.rankings if r.items)
        knowledge = self.knowledge
        if knowledge is None:
            return LocalizerMethod("hybrid", signals)
        chunks = len(self._tables[report.snapshot].chunks) if report.snapshot in self._tables else 0
        return LocalizerMethod("hybrid", signals, knowledge.location or "chroma", chunks)

    def table(self, repo: Path) -> tuple[str, ChunkTable]:
        if self.knowledge is not None:
            snapshot = self.knowledge.snapshot(repo)
            key, chunks = snapshot.manifest.key, snapshot.chunks
        else:
            files = list(source_files(repo))
            key = files_key(files)
            chunks = () if key in self._tables else tuple(c for f in files for c in chunk_file(f))
        if key not in self._tables:
            self._tables = {key: ChunkTable(chunks)}  # one tree at a time
        return key, self._tables[key]

    def measure_spectrum(
        self, failures: Sequence[TestCase], *, repo: Path, table: ChunkTable
    ) -> tuple[Spectrum | None, str]:
        """Run the failing tests' files under coverage; (spectrum, note when it failed)."""
        if self.runner is None:
            return None, ""
        identities = [identity_of_test(case, repo) for case in failures]
        located = [i.node_id.split("::", 1)[0] for i in identities if i.node_id]
        reported = [case.file for case in failures if case.file and case.file in table.paths]
        paths = [*located, *reported]  # a collection error has only its file
        files = list(dict.fromkeys(paths))[: self.options.max_test_files]
        spec = coverage_spec(repo, suite=self.suite, test_files=files)
        if spec is None:
            return None, "spectrum: needs a pytest suite and the failing tests' files"
        outcome = self.runner.run(spec)
        if outcome.report_xml is None:
            last = next((line for line in reversed(outcome.output.splitlines()) if line.strip()),
                        "no output")
            return None, (
                f"spectrum: the coverage run wrote no report ({outcome.termination}, "
                f"exit {outcome.exit_code}: {last.strip()[:200]}); is coverage installed "
                "where tests run?"
            )
        return parse_coverage_json(outcome.report_xml, failing=identities), ""

    def analyse(
        self,
        failures: Sequence[TestCase],
        *,
        repo: Path,
        spectrum: Spectrum | None = None,
        measure_spectrum: bool = True,
        culprit: Culprit | None = None,
    ) -> LocalizationReport:
        clock: dict[str, float] = {}
        started = time.monotonic()
        failures = list(failures)[: self.options.max_failures]
        key, table = self.table(repo)
        clock["snapshot"] = time.monotonic() - started
        tests = [c for c in (failing_test_chunk(case, table, repo=repo) for case in failures) if c]
        notes: list[str] = []
        if spectrum is None and measure_spectrum:
            began = time.monotonic()
            spectrum, note = self.measure_spectrum(failures, repo=repo, table=table)
            clock["coverage"] = time.monotonic() - began
            notes.extend([note] if note else [])
        rankings = self._rankings(
            failures, tests, repo=repo, table=table, spectrum=spectrum, clock=clock
        )
        if culprit is not None:  # the commit that broke the tests: its changed chunks
            rankings.append(culprit_ranking(culprit.lines, table))
        report = self._report(key, rankings, table=table, tests=tests, notes=notes, clock=clock)
        if spectrum is None or not all(
            spectrum.saw(identity_of_test(case, repo)) for case in failures
        ) or any(starts_processes(test) for test in tests):
            return report
        return replace(report, reached=reached_functions(rankings, table))

    def _rankings(
        self,
        failures: Sequence[TestCase],
        tests: Sequence[Chunk],
        *,
        repo: Path,
        table: ChunkTable,
        spectrum: Spectrum | None,
        clock: dict[str, float],
    ) -> list[Ranking]:
        query = failure_query(failures, tests, limit=MAX_QUERY_CHARS)
        producers: list[tuple[str, Callable[[], Ranking]]] = [
            ("traceback", lambda: traceback_ranking(failures, table, repo=repo)),
            ("test_calls", lambda: call_ranking(tests, table)),
            ("bm25", lambda: bm25_ranking(query, table)),
        ]
        if spectrum is not None:
            producers.append(("spectrum", lambda: spectrum_ranking(spectrum, table)))
        rankings: list[Ranking] = []
        for name, produce in producers:
            began = time.monotonic()
            rankings.append(produce())
            clock[name] = time.monotonic() - began
        if self.knowledge is not None:  # last: on demand, it searches what the others found
            began = time.monotonic()
            rankings.append(self._embedding_ranking(failures, tests, table, others=rankings))
            clock["embedding"] = time.monotonic() - began
        return rankings

    def _embedding_ranking(
        self,
        failures: Sequence[TestCase],
        tests: Sequence[Chunk],
        table: ChunkTable,
        *,
        others: Sequence[Ranking],
    ) -> Ranking:
        knowledge = self.knowledge
        if knowledge is None:
            return Ranking("embedding", ())
        among = self._embedding_pool(table, others) if knowledge.embed_on_demand else []
        among = among or list(table.suspects)
        by_id: dict[str, list[str]] = {}
        for chunk in among:
            by_id.setdefault(chunk.chunk_id, []).append(chunk_key(chunk))
        query = failure_query(failures, tests, limit=MAX_EMBEDDING_QUERY_CHARS)
        found = knowledge.nearest(query, among=among, limit=self.options.embedding_candidates)
        items = [key for chunk_id, _ in found for key in by_id.get(chunk_id, [])]
        scores = [score for chunk_id, score in found for _ in by_id.get(chunk_id, [])]
        return Ranking("embedding", tuple(items), tuple(scores))

    @staticmethod
    def _embedding_pool(table: ChunkTable, others: Sequence[Ranking]) -> list[Chunk]:
        """The chunks the other signals ranked (each one's top EMBEDDING_POOL): on the real-bug
        suite, no fix the embedding found lay outside them."""
        keys = dict.fromkeys(key for r in others for key in r.items[:EMBEDDING_POOL])
        return [table.by_key[key] for key in keys if key in table.by_key]

    def _report(
        self,
        key: str,
        rankings: Sequence[Ranking],
        *,
        table: ChunkTable,
        tests: Sequence[Chunk],
        notes: Sequence[str],
        clock: Mapping[str, float],
    ) -> LocalizationReport:
        options = self.options
        fused = reciprocal_rank_fusion(rankings, weights=options.weights, k=options.rrf_k)
        fused = harness_last(fused, table)
        ranked = tuple(
            RankedSpan(_span(table.by_key[f.item], score=f.score, why=_why(f)), f)
            for f in fused[: options.max_suspects]
        )
        test_spans = tuple(
            _span(test, score=0.0, why=("failing test",)) for test in dict.fromkeys(tests)
        )
        packed = pack_spans(
            presentation_order(ranked, test_spans), budget_tokens=options.budget_tokens
        )
        sure = confidence(fused, rankings, weights=options.weights)
        return LocalizationReport(
            key, ranked, test_spans, tuple(rankings), tuple(packed), sure, tuple(notes), dict(clock)
        )


def harness_last(fused: Sequence[Fused], table: ChunkTable) -> list[Fused]:
    """`fused` with the project's test-harness code scored down (on the real-bug suite its
    failure paths came first on 5 of 36 bugs; it held none of the fixes)."""
    rescored = [
        replace(f, score=f.score * TEST_SUPPORT_FACTOR)
        if is_test_support(table.by_key[f.item].path) else f
        for f in fused
    ]
    return sorted(rescored, key=lambda f: -f.score)
