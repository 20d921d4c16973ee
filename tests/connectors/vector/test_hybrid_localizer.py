"""HybridLocalizer on a small real repository: a real test run, real coverage, real index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.knowledge_commands import index_command, localize_command
from bot.core.errors import UsageError
from bot.core.results import RunSpec
from bot.stages.ingest.junit import parse_report_bytes
from bot.stages.localize.knowledge.hybrid_localizer import HybridLocalizer
from bot.stages.localize.knowledge.spectrum import TestSuite
from bot.stages.reproduce.testrun import suite_argv
from bot.wiring.localizers import open_knowledge
from connectors.sandbox.local import LocalRunner
from tests.connectors.vector.conftest import write_tree
from tests.host_pytest import HOST_PYTEST

pytestmark = pytest.mark.embedding

STATS = """\
def add(a, b):
    return a + b


def add_all(values):
    total = 1
    for value in values:
        total = add(total, value)
    return total


def mean(values):
    return add_all(values) / len(values)


def spread(values):
    return max(values) - min(values)
"""
TESTS = """\
from stats.core import add, add_all, mean, spread


def test_add():
    assert add(2, 3) == 5


def test_total():
    assert add_all([1, 2, 3]) == 6


def test_mean():
    assert mean([2, 4]) == 3


def test_spread():
    assert spread([1, 5, 3]) == 4
"""
COMMAND = HOST_PYTEST


@pytest.fixture(scope="module")
def failing_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The repository and the JUnit report of its real, failing test run."""
    root = tmp_path_factory.mktemp("stats")
    repo = write_tree(root / "repo", {
        "stats/__init__.py": "", "stats/core.py": STATS, "tests/test_core.py": TESTS,
    })
    outcome = LocalRunner().run(RunSpec(source=repo, argv=suite_argv(COMMAND), timeout_s=120))
    assert outcome.report_xml is not None, outcome.output
    report = root / "report.xml"
    report.write_bytes(outcome.report_xml)
    return repo, report


def test_the_buggy_function_ranks_first(failing_repo, tmp_path, minilm):
    repo, report_path = failing_repo
    failures = parse_report_bytes(report_path.read_bytes(), source="run").failures
    assert sorted(case.name for case in failures) == ["test_mean", "test_total"]
    knowledge = open_knowledge(repo, data_dir=tmp_path, chroma_url=None, embedder=minilm)
    localizer = HybridLocalizer(knowledge=knowledge, runner=LocalRunner(),
                                suite=TestSuite(command=COMMAND))
    report = localizer.analyse(failures, repo=repo)
    assert report.notes == ()
    signals = {ranking.signal: ranking for ranking in report.rankings}
    assert set(signals) == {"traceback", "test_calls", "bm25", "embedding", "spectrum"}
    found_by_others = {item for name, ranking in signals.items() if name != "embedding"
                       for item in ranking.items}
    assert set(signals["embedding"].items) <= found_by_others, "embedded on demand: the pool only"
    # Only the two failing tests run add_all; add also runs in the passing test_add.
    assert signals["spectrum"].items[0] == "stats/core.py:5"
    assert report.ranked[0].span.symbol == "add_all"
    assert "spectrum #1" in report.ranked[0].span.why
    assert report.reached == {"stats/core.py": frozenset({"add", "add_all", "mean"})}
    assert report.packed[0].symbol == "add_all"
    assert {s.symbol for s in report.packed} >= {"test_total", "test_mean", "mean"}
    assert 0.0 < report.confidence <= 1.0


def test_index_and_localize_commands_print_what_they_did(failing_repo, tmp_path, minilm):
    repo, report_path = failing_repo
    lines: list[str] = []
    stats = index_command(repo, data_dir=tmp_path, chroma_url=None, embedder=minilm,
                          emit=lines.append)
    assert stats.files == 3 and stats.embedded == 4
    assert lines[0].startswith(f"indexed 3 files, {stats.chunks} chunks of {repo}")
    again = index_command(repo, data_dir=tmp_path, chroma_url=None, embedder=minilm,
                          emit=lines.append)
    assert again.embedded == 0 and again.snapshot == stats.snapshot
    localize_command(repo, [report_path], as_json=True, data_dir=tmp_path, chroma_url=None,
                     runner=None, embedder=minilm, emit=lines.append)
    document = json.loads(lines[-1])
    assert document["ranked"][0]["symbol"] in {"add_all", "mean"}
    assert "spectrum" not in document["ranked"][0]["signals"]  # no runner, no coverage
    assert document["shown"][0]["why"] and document["snapshot"] == stats.snapshot
    localize_command(repo, [report_path], as_json=False, data_dir=tmp_path, chroma_url=None,
                     runner=None, embedder=minilm, emit=lines.append)
    assert lines[-1].startswith("confidence ")
    assert "stats/core.py:" in lines[-1]


def test_localize_command_refuses_a_report_without_failures(tmp_path, minilm):
    report = tmp_path / "green.xml"
    report.write_text('<testsuite name="s"><testcase classname="t" name="ok"/></testsuite>')
    with pytest.raises(UsageError, match="nothing to localize"):
        localize_command(tmp_path, [report], as_json=False, data_dir=tmp_path / "data",
                         chroma_url=None, runner=None, embedder=minilm)


def test_the_pipeline_localizer_runs_coverage_as_the_pipelines_suite_does(
    failing_repo, tmp_path, monkeypatch, minilm
):
    """What `redfix fix` uses: the index under the data directory, the spectrum from the
    suite the pipeline hands over (its runner and command)."""
    from bot.stages.reproduce.suite import Suite
    from bot.wiring import localizers
    from bot.wiring.localizers import IndexedLocalizer, build_localizer

    monkeypatch.setattr(localizers, "shared_embedder", lambda: minilm)
    repo, report_path = failing_repo
    failures = parse_report_bytes(report_path.read_bytes(), source="run").failures
    localizer = build_localizer("auto", data_dir=tmp_path, chroma_url=None)
    assert isinstance(localizer, IndexedLocalizer)
    suite = Suite(LocalRunner(), repo, COMMAND, 120)
    found = localizer.localize(failures, repo=repo, suite=suite)
    assert found.spans[0].symbol == "add_all" and "spectrum #1" in found.spans[0].why
    assert (tmp_path / "chroma").is_dir(), "the index `redfix index` would use"
    without_suite = localizer.localize(failures, repo=repo)
    assert not any("spectrum" in why for span in without_suite.spans for why in span.why)


def test_the_localizer_choice(monkeypatch, tmp_path):
    from bot.stages.localize.traceback_localizer import TracebackLocalizer
    from bot.wiring import localizers
    from bot.wiring.localizers import build_localizer

    assert isinstance(build_localizer("traceback", data_dir=tmp_path, chroma_url=None),
                      TracebackLocalizer)
    assert isinstance(build_localizer("auto", data_dir=tmp_path, chroma_url=None),
                      localizers.IndexedLocalizer), "every install localizes with the index"
    monkeypatch.setattr(localizers, "missing_knowledge", lambda: ["bm25s"])
    assert isinstance(build_localizer("auto", data_dir=tmp_path, chroma_url=None),
                      TracebackLocalizer), "a partial install still fixes"
    with pytest.raises(UsageError, match=r"needs bm25s, which this install lacks: reinstall"):
        build_localizer("hybrid", data_dir=tmp_path, chroma_url=None)
