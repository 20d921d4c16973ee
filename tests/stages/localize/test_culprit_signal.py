"""The culprit's changed lines in both localizers: first when on the failing path or when
the change is small; a bug outside the change is still among the suspects."""

from __future__ import annotations

import pytest

from bot.core.history import Commit, Culprit
from bot.core.results import Outcome, TestCase
from bot.stages.localize.knowledge.hybrid_localizer import HybridLocalizer
from bot.stages.localize.traceback_localizer import TracebackLocalizer
from tests.stages.culprit.history_repo import BROKEN_RECTANGLE, GREEN

RECTANGLE = TestCase("tests.test_shapes", "test_rectangle", Outcome.FAILED,
                     file="tests/test_shapes.py", message="assert 7 == 10",
                     traceback='tests/test_shapes.py:9: in test_rectangle\n'
                               '    assert rectangle(2, 5) == 10\nE   assert 7 == 10')
COMMIT = Commit("a" * 40, "Ada <ada@example.org>", "area: a simpler rectangle")


@pytest.fixture
def repo(tmp_path):
    for path, text in {**GREEN, "shapes/area.py": BROKEN_RECTANGLE}.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return tmp_path


def culprit(lines: dict[str, tuple[int, ...]]) -> Culprit:
    return Culprit(COMMIT, "diff", lines)


def symbols(spans) -> list[str]:
    return [s.symbol for s in spans if not s.path.startswith("tests/")]


def test_without_a_culprit_the_called_functions_keep_the_test_order(repo):
    spans = TracebackLocalizer().localize([RECTANGLE], repo=repo).spans
    assert symbols(spans)[0] == "rectangle"


def test_a_changed_function_on_the_failing_path_ranks_first(repo):
    spans = TracebackLocalizer().localize([RECTANGLE], repo=repo,
                                          culprit=culprit({"shapes/area.py": (9,)})).spans
    assert spans[0].symbol == "rectangle"
    assert "changed by the culprit aaaaaaaaaaaa" in spans[0].why


def test_a_small_change_off_the_path_ranks_first_but_the_path_stays(repo):
    spans = TracebackLocalizer().localize([RECTANGLE], repo=repo,
                                          culprit=culprit({"shapes/names.py": (5,)})).spans
    assert symbols(spans)[0] == "describe"
    assert "rectangle" in symbols(spans), "a change can expose an older bug elsewhere"


def test_a_large_change_off_the_path_ranks_below_it(repo):
    large = culprit({"shapes/names.py": (4, 5), "README": tuple(range(1, 40))})
    spans = TracebackLocalizer().localize([RECTANGLE], repo=repo, culprit=large).spans
    assert symbols(spans)[0] == "rectangle"
    assert "describe" in symbols(spans)


def test_the_hybrid_localizer_fuses_the_culprit_as_a_signal(repo):
    localizer = HybridLocalizer()
    plain = localizer.analyse([RECTANGLE], repo=repo, measure_spectrum=False)
    blamed = localizer.analyse([RECTANGLE], repo=repo, measure_spectrum=False,
                               culprit=culprit({"shapes/names.py": (5,)}))
    assert "culprit" not in [r.signal for r in plain.rankings]
    assert [r.signal for r in blamed.rankings][-1] == "culprit"
    assert blamed.ranked[0].span.symbol == "describe"
    assert "rectangle" in [r.span.symbol for r in blamed.ranked[:3]], "still a close second"


def test_first_means_above_a_span_many_failing_tests_reached(repo):
    many = [RECTANGLE, *(TestCase("tests.test_shapes", f"test_rectangle[{n}]", Outcome.FAILED,
                                  file="tests/test_shapes.py") for n in range(40))]
    plain = TracebackLocalizer().localize(many, repo=repo).spans
    assert plain[0].symbol == "rectangle" and plain[0].score > 4, "merged 41 times"
    spans = TracebackLocalizer().localize(many, repo=repo,
                                          culprit=culprit({"shapes/names.py": (5,)})).spans
    assert spans[0].symbol == "describe" and spans[0].score > plain[0].score
