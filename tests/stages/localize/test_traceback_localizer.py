from pathlib import Path

from bot.core.results import Outcome, TestCase
from bot.stages.localize.traceback_localizer import TracebackLocalizer

SOURCE = '''"""Geometry."""


def area(width, height):
    return width * width


def perimeter(width, height):
    return 2 * (width + height)


class Shape:
    def scaled(self, factor):
        return area(factor, factor)
'''

TEST = '''from geo.shapes import area


def helper():
    return 3


def test_area():
    assert area(2, helper()) == 6
'''


def make_repo(root: Path) -> Path:
    (root / "geo").mkdir()
    (root / "geo" / "__init__.py").write_text("")
    (root / "geo" / "shapes.py").write_text(SOURCE)
    (root / "tests").mkdir()
    (root / "tests" / "test_shapes.py").write_text(TEST)
    return root


def failure(traceback: str) -> TestCase:
    return TestCase("tests.test_shapes", "test_area", Outcome.FAILED,
                    message="assert 4 == 6", traceback=traceback)


def test_callee_of_the_failing_test_ranks_above_the_test(tmp_path):
    repo = make_repo(tmp_path)
    result = TracebackLocalizer().localize([failure("")], repo=repo)
    assert [(s.path, s.symbol) for s in result.spans[:2]] == [
        ("geo/shapes.py", "area"), ("tests/test_shapes.py", "test_area")]
    assert result.spans[0].text.startswith("def area(width, height):")
    assert result.spans[0].why == ("called by test_area",)
    assert "perimeter" not in {s.symbol for s in result.spans}
    assert result.confidence == 0.7


def test_traceback_frame_in_the_repository_raises_score_and_confidence(tmp_path):
    repo = make_repo(tmp_path)
    trace = (
        'File "/ci/work/tests/test_shapes.py", line 9, in test_area\n'
        'File "/usr/lib/python3.11/functools.py", line 10, in wrapper\n'
        'File "/ci/work/geo/shapes.py", line 14, in scaled\n'
    )
    result = TracebackLocalizer().localize([failure(trace)], repo=repo)
    top = result.spans[0]
    assert (top.path, top.symbol) == ("geo/shapes.py", "scaled")
    assert any("traceback frame geo/shapes.py:14" in why for why in top.why)
    assert result.confidence == 0.9
    assert all("functools" not in s.path for s in result.spans)


def test_unknown_test_gives_no_spans_and_no_confidence(tmp_path):
    repo = make_repo(tmp_path)
    lost = TestCase("elsewhere.test_x", "test_y", Outcome.FAILED)
    result = TracebackLocalizer().localize([lost], repo=repo)
    assert result.spans == ()
    assert result.confidence == 0.0
