from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.chunks import chunk_python
from bot.core.results import Outcome, TestCase
from bot.stages.localize.knowledge.fusion import Fused
from bot.stages.localize.knowledge.hybrid_localizer import (
    HybridLocalizer,
    LocalizerOptions,
    harness_last,
)
from bot.stages.localize.knowledge.signals import (
    ChunkTable,
    bm25_ranking,
    call_ranking,
    failing_test_chunk,
    is_test_support,
    referenced_names,
    spectrum_ranking,
    traceback_ranking,
)
from bot.stages.localize.knowledge.spectrum import Spectrum

OPS = """\
def add(a, b):
    return a + b


def mean(values):
    return add_all(values) / len(values)


def add_all(values):
    total = 0
    for value in values:
        total = add(total, value)
    return total


class Stats:
    def __init__(self, values):
        self.values = values

    def spread(self):
        return (max(self.values) - min(self.values)) / self.width

    def unused_helper(self):
        return sorted(self.values)
"""
TESTS = """\
from calc.ops import Stats, mean


def test_mean():
    assert mean([1, 2, 3]) == 2


class TestStats:
    def test_spread(self):
        assert Stats([1, 5]).spread() == 4
"""
SPREAD_TRACEBACK = """\
self = <tests.test_ops.TestStats object at 0x7f>

    def test_spread(self):
>       assert Stats([1, 5]).spread() == 4

tests/test_ops.py:10:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

self = <calc.ops.Stats object at 0x7f>

    def spread(self):
>       return (max(self.values) - min(self.values)) / self.width
E       AttributeError: 'Stats' object has no attribute 'width'

calc/ops.py:21: AttributeError
"""
SPREAD_FAILURE = TestCase(
    "tests.test_ops.TestStats", "test_spread", Outcome.FAILED,
    message="AttributeError: 'Stats' object has no attribute 'width'",
    traceback=SPREAD_TRACEBACK,
)
MEAN_FAILURE = TestCase("tests.test_ops", "test_mean", Outcome.FAILED,
                        message="assert 2.3333333333333335 == 2")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "calc").mkdir()
    (tmp_path / "calc" / "__init__.py").write_text("")
    (tmp_path / "calc" / "ops.py").write_text(OPS)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_ops.py").write_text(TESTS)
    return tmp_path


@pytest.fixture
def table() -> ChunkTable:
    chunks = [*(chunk_python("calc/ops.py", OPS) or []),
              *(chunk_python("tests/test_ops.py", TESTS) or [])]
    return ChunkTable(chunks)


def test_table_finds_the_chunk_holding_a_line(table: ChunkTable):
    assert table.at("calc/ops.py", 21).symbol == "Stats.spread"
    assert table.at("calc/ops.py", 3) is None  # a blank line between definitions
    assert table.at("elsewhere.py", 1) is None
    assert [c.symbol for c in table.named("spread")] == ["Stats.spread"]
    assert all(not c.path.startswith("tests/") for c in table.suspects)


def test_a_test_function_outside_the_test_folders_is_never_a_suspect(tmp_path: Path):
    """FastAPI's documentation tutorials hold tests beside the example app: on its real bugs
    those tests ranked above the framework code the fix changed."""
    tutorial = ("def read_items():\n    return []\n\n\n"
                "def test_read_items():\n    assert read_items() == []\n\n\n"
                "def testing_mode():\n    return True\n")
    (tmp_path / "docs" / "src").mkdir(parents=True)
    (tmp_path / "docs" / "src" / "tutorial003.py").write_text(tutorial)
    table = ChunkTable(chunk_python("docs/src/tutorial003.py", tutorial) or [])
    assert [c.symbol for c in table.suspects] == ["read_items", "testing_mode"]
    failed = TestCase("docs.src.tutorial003", "test_read_items", Outcome.FAILED, traceback=(
        f'File "{tmp_path}/docs/src/tutorial003.py", line 6, in test_read_items\n'
        "    assert read_items() == []\n"
        f'File "{tmp_path}/docs/src/tutorial003.py", line 2, in read_items\n'
        "    return []\n"))
    ranked = traceback_ranking([failed], table, repo=tmp_path).items
    assert ranked == ("docs/src/tutorial003.py:1",), "the test's own frame is not a suspect"


def test_the_projects_test_harness_is_scored_below_the_code_under_test():
    """tornado/testing.py's failure paths run only when a test fails: on tornado's real bugs
    they came first, above the faulty code."""
    harness = "def gen_test(f):\n    return f\n"
    library = "def fetch(url):\n    return url\n"
    table = ChunkTable([*(chunk_python("tornado/testing.py", harness) or []),
                        *(chunk_python("tornado/httpclient.py", library) or [])])
    fused = [Fused("tornado/testing.py:1", 1.0), Fused("tornado/httpclient.py:1", 0.5)]
    assert [f.item for f in harness_last(fused, table)] == [
        "tornado/httpclient.py:1", "tornado/testing.py:1"]
    clear_lead = [Fused("tornado/testing.py:1", 4.0), Fused("tornado/httpclient.py:1", 0.5)]
    assert harness_last(clear_lead, table)[0].item == "tornado/testing.py:1", "scored, not barred"
    assert [is_test_support(p) for p in ("pkg/testing/app.py", "pkg/test_utils.py",
                                         "pkg/testimony.py")] == [True, True, False]


def test_traceback_ranks_the_innermost_repository_frame_first(table, repo):
    ranking = traceback_ranking([SPREAD_FAILURE], table, repo=repo)
    assert ranking.items == ("calc/ops.py:20",)  # the test frame itself is not a suspect


def test_failing_test_is_found_through_its_node_id(table, repo):
    found = failing_test_chunk(SPREAD_FAILURE, table, repo=repo)
    assert found is not None and found.symbol == "TestStats.test_spread"
    ghost = TestCase("nowhere", "test_x", Outcome.FAILED)
    assert failing_test_chunk(ghost, table, repo=repo) is None


def test_referenced_names_lists_calls_first_then_other_names(table):
    spread = table.at("calc/ops.py", 21)
    names = referenced_names(spread)
    assert names[:2] == ["max", "min"]
    assert sorted(names[2:]) == ["self", "values", "width"]


def test_call_ranking_follows_the_test_then_its_callees(table, repo):
    test = failing_test_chunk(MEAN_FAILURE, table, repo=repo)
    ranking = call_ranking([test], table)
    # mean, then what mean calls; add is three calls deep: left to the other signals
    assert ranking.items == ("calc/ops.py:5", "calc/ops.py:9")
    assert ranking.scores[0] > ranking.scores[1]


def test_calling_a_class_counts_its_constructor(table, repo):
    test = failing_test_chunk(SPREAD_FAILURE, table, repo=repo)
    items = call_ranking([test], table).items
    assert items[:3] == ("calc/ops.py:20", "calc/ops.py:16", "calc/ops.py:17")


def test_bm25_ranks_the_chunk_named_in_the_failure_first(table):
    ranking = bm25_ranking("test_spread AttributeError: no attribute 'width'", table)
    assert ranking.items[0] == "calc/ops.py:20"
    assert "calc/ops.py:1" not in ranking.items  # `add` shares no word with the query


def test_spectrum_ranks_chunks_by_their_best_ochiai_line(table):
    failing, passing = "test_ops.test_mean", "test_ops.test_other"
    spectrum = Spectrum(
        failing=frozenset({failing}), passing=frozenset({passing}),
        lines={"calc/ops.py": {
            2: frozenset({failing, passing}),  # add: 1/sqrt(2)
            6: frozenset({failing}),  # mean: 1.0
            10: frozenset({failing}), 11: frozenset({failing}),  # add_all: 1.0, twice
            24: frozenset({passing}),
        }},
    )
    ranking = spectrum_ranking(spectrum, table)
    assert ranking.items == ("calc/ops.py:9", "calc/ops.py:5", "calc/ops.py:1")
    assert ranking.scores[0] == 1.0 and ranking.scores[2] == pytest.approx(0.7071, abs=1e-4)


def test_an_import_ranks_only_the_functions_whose_bodies_it_ran(table):
    """A test module's import runs every `def` line of the modules it loads (add, mean),
    and the bodies only of what its module-level code calls (unused_helper's): ranked,
    below what a failing test ran itself."""
    failing, passing = "t.py::test_mean", "t.py::test_other"
    both = frozenset({failing, passing})
    spectrum = Spectrum(
        failing=frozenset({failing}), passing=frozenset({passing}),
        lines={"calc/ops.py": {10: frozenset({failing})}},  # add_all, run by the test
        collected={"calc/ops.py": {1: both, 5: both, 24: frozenset({failing})}},
    )
    ranking = spectrum_ranking(spectrum, table)
    assert ranking.items == ("calc/ops.py:9", "calc/ops.py:23")
    assert ranking.scores == (1.0, 0.5)


def test_hybrid_localizer_without_index_or_sandbox_puts_the_raising_method_first(repo):
    localizer = HybridLocalizer(options=LocalizerOptions(budget_tokens=400))
    report = localizer.analyse([SPREAD_FAILURE], repo=repo)
    assert [r.signal for r in report.rankings] == ["traceback", "test_calls", "bm25"]
    best = report.ranked[0]
    assert best.span.symbol == "Stats.spread"
    assert set(best.fused.ranks) == {"traceback", "test_calls", "bm25"}
    assert best.span.why[0] == "traceback #1"
    assert [s.symbol for s in report.packed[:2]] == ["Stats.spread", "TestStats.test_spread"]
    assert report.confidence > 0.5
    localization = localizer.localize([SPREAD_FAILURE], repo=repo)
    assert localization.spans == report.packed and localization.confidence == report.confidence


def test_hybrid_localizer_with_nothing_to_go_on_has_zero_confidence(repo):
    report = HybridLocalizer().analyse(
        [TestCase("ghost", "test_ghost", Outcome.FAILED, message="boom")], repo=repo)
    assert report.ranked == () and report.confidence == 0.0


def test_the_functions_reached_are_known_only_when_coverage_saw_every_failing_test(repo):
    spread = "tests/test_ops.py::TestStats::test_spread"
    spectrum = Spectrum(failing=frozenset({spread}), passing=frozenset(),
                        lines={"calc/ops.py": {18: frozenset({spread}), 21: frozenset({spread})}})
    localizer = HybridLocalizer(options=LocalizerOptions(budget_tokens=400))
    report = localizer.analyse([SPREAD_FAILURE], repo=repo, spectrum=spectrum)
    assert report.reached == {"calc/ops.py": frozenset({"Stats.__init__", "Stats.spread"})}
    both = localizer.analyse([SPREAD_FAILURE, MEAN_FAILURE], repo=repo, spectrum=spectrum)
    assert both.reached is None, "test_mean ran unseen"


def test_no_functions_reached_are_claimed_when_the_failing_test_starts_a_process(repo):
    source = (repo / "tests" / "test_ops.py").read_text()
    (repo / "tests" / "test_ops.py").write_text(source.replace(
        "assert Stats([1, 5]).spread() == 4",
        "subprocess.run([sys.executable, '-c', 'import calc'])\n"
        "        assert Stats([1, 5]).spread() == 4"))
    spread = "tests/test_ops.py::TestStats::test_spread"
    spectrum = Spectrum(failing=frozenset({spread}), passing=frozenset(),
                        lines={"calc/ops.py": {21: frozenset({spread})}})
    localizer = HybridLocalizer(options=LocalizerOptions(budget_tokens=400))
    assert localizer.analyse([SPREAD_FAILURE], repo=repo, spectrum=spectrum).reached is None
