"""The spectrum's coverage run on a real pytest: a context per test and per module import."""

from __future__ import annotations

from pathlib import Path

from bot.core.chunks import chunk_python
from bot.stages.localize.knowledge.signals import ChunkTable, spectrum_ranking
from bot.stages.localize.knowledge.spectrum import (
    TestIdentity,
    TestSuite,
    coverage_spec,
    parse_coverage_json,
)
from connectors.sandbox.local import LocalRunner
from tests.connectors.vector.conftest import write_tree
from tests.host_pytest import HOST_PYTEST

# The bug is in `register`, which only the test module's own top level calls: no test runs
# it, so before imports had a context of their own, no signal from coverage could see it.
TAGS = """\
def tagged(function):
    function.tagged = True
    return function
"""
ROUTES = """\
from app.tags import tagged

ROUTES = {}


def register(path, handler):
    ROUTES[path.rstrip("/")] = handler
    return handler


def dispatch(path):
    return ROUTES[path]()


@tagged
def unused(value):
    return value * 2
"""
TESTS = """\
from app.routes import dispatch, register

register("/", lambda: "home")
register("/about", lambda: "about")


def test_home():
    assert dispatch("/") == "home"


def test_about():
    assert dispatch("/about") == "about"
"""


def test_the_function_a_test_modules_top_level_calls_is_ranked(tmp_path: Path):
    repo = write_tree(tmp_path, {
        "app/__init__.py": "", "app/tags.py": TAGS, "app/routes.py": ROUTES,
        "tests/test_app.py": TESTS,
    })
    spec = coverage_spec(repo, suite=TestSuite(command=HOST_PYTEST),
                         test_files=["tests/test_app.py"])
    assert spec is not None
    outcome = LocalRunner().run(spec)
    assert outcome.report_xml is not None, outcome.output
    failing = TestIdentity("tests/test_app.py::test_home", "test_home")
    spectrum = parse_coverage_json(outcome.report_xml, failing=[failing])
    assert spectrum.failing == {"tests/test_app.py::test_home"}
    assert spectrum.passing == {"tests/test_app.py::test_about"}

    chunks = [*(chunk_python("app/routes.py", ROUTES) or []),
              *(chunk_python("app/tags.py", TAGS) or [])]
    ranking = spectrum_ranking(spectrum, ChunkTable(chunks))
    by_symbol = {chunk.symbol: f"{chunk.path}:{chunk.start}" for chunk in chunks}
    # Both run for both tests: register at the test module's import, dispatch in each.
    # `unused` is only defined; `tagged` runs when app.routes loads, which is not the
    # test module's own doing.
    assert set(ranking.items) == {by_symbol["register"], by_symbol["dispatch"]}
    assert "tagged" in by_symbol
