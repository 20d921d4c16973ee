from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bot.core.results import Outcome, TestCase
from bot.stages.localize.knowledge.spectrum import (
    COVERAGE_RC_PATH,
    TestIdentity,
    TestSuite,
    coverage_spec,
    identity_of_test,
    ochiai,
    parse_coverage_json,
    repo_relative,
)


@pytest.mark.parametrize(
    ("failed", "passed", "total", "expected"),
    [
        (1, 0, 1, 1.0),  # only the failing test runs it
        (1, 3, 1, 0.5),  # 1 / sqrt(1 * 4)
        (2, 2, 4, 2 / math.sqrt(16)),
        (0, 5, 2, 0.0),  # no failing test runs it
        (0, 0, 0, 0.0),
    ],
)
def test_ochiai(failed, passed, total, expected):
    assert ochiai(failed, passed, total) == pytest.approx(expected)


COVERAGE_JSON = {
    "meta": {"version": "7.6"},
    "files": {
        "pkg/calc.py": {
            "executed_lines": [1, 2, 5, 6],
            "contexts": {
                "1": [""],
                "2": ["tests/test_calc.py::test_add", "tests/test_calc.py::test_sub"],
                "5": ["tests/test_calc.py::test_sub"],
                "6": ["tests/test_calc.py::TestDiv::test_div"],
            },
        },
        "/tmp/sandbox/repo/pkg/other.py": {"contexts": {"3": ["tests/test_calc.py::test_add"]}},
    },
}


def test_parse_coverage_json_splits_contexts_into_failing_and_passing():
    spectrum = parse_coverage_json(
        json.dumps(COVERAGE_JSON).encode(),
        failing=[TestIdentity("tests/test_calc.py::test_sub", "test_sub")],
    )
    assert spectrum.failing == {"tests/test_calc.py::test_sub"}
    assert spectrum.passing == {"tests/test_calc.py::test_add",
                                "tests/test_calc.py::TestDiv::test_div"}
    assert 1 not in spectrum.lines["pkg/calc.py"]  # import time: no test
    lines = spectrum.lines["pkg/calc.py"]
    assert spectrum.score(lines[2]) == pytest.approx(1 / math.sqrt(2))
    assert (spectrum.score(lines[5]), spectrum.score(lines[6])) == (1.0, 0.0)
    assert spectrum.score(spectrum.lines["/tmp/sandbox/repo/pkg/other.py"][3]) == 0.0


IMPORTED = {
    "files": {
        "app/routes.py": {
            "contexts": {
                "1": ["redfix-collect:tests/test_app.py"],  # `def register`
                "2": ["redfix-collect:tests/test_app.py", "tests/test_app.py::test_home"],
                "5": ["redfix-collect:tests/test_other.py"],
                "6": ["redfix-collect:tests/test_broken.py"],
            },
        },
    },
}
APP_TESTS = ["tests/test_app.py::test_home", "tests/test_app.py::test_about",
             "tests/test_other.py::test_x"]


def _with_tests(data: dict) -> dict:
    """IMPORTED, and a line each test ran, so every test context exists."""
    contexts = dict(data["files"]["app/routes.py"]["contexts"], **{"9": APP_TESTS})
    return {"files": {"app/routes.py": {"contexts": contexts}}}


def test_lines_a_test_modules_import_ran_count_for_that_modules_tests():
    spectrum = parse_coverage_json(
        json.dumps(_with_tests(IMPORTED)).encode(),
        failing=[TestIdentity("tests/test_app.py::test_home", "test_home")],
    )
    assert spectrum.failing == {"tests/test_app.py::test_home"}
    assert spectrum.passing == {"tests/test_app.py::test_about", "tests/test_other.py::test_x"}
    collected = spectrum.collected["app/routes.py"]
    assert collected[2] == {"tests/test_app.py::test_home", "tests/test_app.py::test_about"}
    assert collected[5] == {"tests/test_other.py::test_x"}
    assert collected[6] == frozenset()  # a module none of whose tests ran
    assert spectrum.lines["app/routes.py"][2] == {"tests/test_app.py::test_home"}
    assert 1 not in spectrum.lines["app/routes.py"], "an import is no test"
    assert spectrum.saw(TestIdentity("tests/test_app.py::test_home", "test_home"))
    assert not spectrum.saw(TestIdentity("tests/test_app.py::test_about", "test_about"))
    assert not spectrum.saw(TestIdentity("tests/test_gone.py::test_y", "test_y"))


def test_a_module_that_failed_to_import_is_itself_a_failing_context():
    """pytest reports a collection error as a case named by the dotted module."""
    spectrum = parse_coverage_json(
        json.dumps(_with_tests(IMPORTED)).encode(), failing=[TestIdentity("", "tests.test_broken")]
    )
    assert spectrum.failing == {"redfix-collect:tests/test_broken.py"}
    assert spectrum.collected["app/routes.py"][6] == {"redfix-collect:tests/test_broken.py"}
    assert spectrum.score(spectrum.collected["app/routes.py"][6]) == 1.0
    assert spectrum.saw(TestIdentity("", "tests.test_broken"))


def test_unreadable_coverage_json_gives_an_empty_spectrum():
    spectrum = parse_coverage_json(b"not json", failing=[])
    assert spectrum.lines == {} and spectrum.failing == frozenset()


@pytest.mark.parametrize(
    ("identity", "context", "matches"),
    [
        (TestIdentity("t/test_c.py::TestDiv::test_div[1]", "test_div[1]"),
         "t/test_c.py::TestDiv::test_div[1]", True),
        (TestIdentity("t/test_c.py::TestDiv::test_div[1]", "test_div[1]"),
         "t/test_c.py::TestDiv::test_div[2]", False),
        (TestIdentity("t/test_c.py::TestDiv::test_div[1]", "test_div[1]"),
         "t/test_c.py::TestMul::test_div[1]", False),
        (TestIdentity("", "test_div"), "elsewhere/test_x.py::Suite::test_div", True),
        (TestIdentity("", "test_div"), "elsewhere/test_x.py::Suite::test_div_zero", False),
    ],
)
def test_identity_matches_the_node_id_contexts(identity, context, matches):
    assert identity.matches(context) is matches


def test_identity_of_a_reported_case_is_its_node_id(tmp_path: Path):
    (tmp_path / "tests").mkdir()
    test_file = tmp_path / "tests" / "test_calc.py"
    test_file.write_text("class TestDiv:\n    def test_div(self): pass\n")
    case = TestCase("tests.test_calc.TestDiv", "test_div[2-1]", Outcome.FAILED)
    assert identity_of_test(case, tmp_path) == TestIdentity(
        "tests/test_calc.py::TestDiv::test_div[2-1]", "test_div[2-1]")
    unknown = TestCase("elsewhere.Suite", "test_x", Outcome.FAILED)
    assert identity_of_test(unknown, tmp_path) == TestIdentity("", "test_x")


def test_coverage_spec_runs_the_test_files_and_writes_json_to_the_report_path(tmp_path: Path):
    suite = TestSuite(command=("python3", "-m", "pytest"), timeout_s=60.0, env={"A": "1"},
                      setup=("pip install -e .",), dependency_files=("setup.py",))
    spec = coverage_spec(tmp_path, suite=suite, test_files=["tests/test_a.py", "tests/b c.py"])
    assert spec is not None
    assert spec.argv[:2] == ("sh", "-c")
    script = spec.argv[2]
    assert ("python3 -m coverage run --rcfile=.redfix-coveragerc -m pytest "
            "-p redfix_coverage_contexts -p no:cacheprovider") in script
    assert "tests/test_a.py 'tests/b c.py'" in script
    assert script.endswith("python3 -m coverage json --rcfile=.redfix-coveragerc "
                           "--show-contexts -i -o {report}")
    assert "source = ." in spec.overlay[COVERAGE_RC_PATH]
    assert "switch_context(item.nodeid)" in spec.overlay["redfix_coverage_contexts.py"]
    assert (spec.timeout_s, dict(spec.env), spec.setup, spec.dependency_files) == (
        120.0, {"A": "1"}, ("pip install -e .",), ("setup.py",))


def test_a_wrapped_test_command_keeps_its_wrapper_around_the_coverage_run(tmp_path: Path):
    """The realbugs suite's command brings the loopback up, then execs the bug's venv."""
    wrapper = ("/bin/sh", "-c", 'ip link set lo up; exec "$@"', "wrapped")
    command = (*wrapper, "/venv/bin/python", "-m", "pytest", "--deselect", "t.py::x", "t.py")
    spec = coverage_spec(tmp_path, suite=TestSuite(command=command), test_files=["t.py", "u.py"])
    assert spec is not None
    assert spec.argv[:6] == (*wrapper, "sh", "-c")
    assert spec.argv[6].startswith("/venv/bin/python -m coverage run --rcfile=.redfix-coveragerc "
                                   "-m pytest --deselect t.py::x t.py -p redfix_coverage_contexts")
    assert "--tb=no u.py;" in spec.argv[6], "the file the command names runs once"


@pytest.mark.parametrize(
    "command", [("npm", "test"), ("python", "-m", "unittest"), ("python", "pytest.py"), ()],
)
def test_no_coverage_spec_without_pytest(command, tmp_path: Path):
    assert coverage_spec(tmp_path, suite=TestSuite(command=command), test_files=["t.py"]) is None


def test_bare_pytest_command_runs_under_python_with_its_options(tmp_path: Path):
    command = ("pytest", "--noconftest", "-k", "not slow")
    spec = coverage_spec(tmp_path, suite=TestSuite(command=command), test_files=["t.py"])
    assert spec is not None
    assert spec.argv[2].startswith(
        "python -m coverage run --rcfile=.redfix-coveragerc -m pytest "
        "--noconftest -k 'not slow' -p redfix_coverage_contexts -p no:cacheprovider -q "
        "--tb=no t.py;"
    )


def test_repo_relative_maps_absolute_sandbox_paths_onto_known_files():
    known = {"pkg/calc.py", "calc.py"}
    assert repo_relative("pkg/calc.py", known) == "pkg/calc.py"
    assert repo_relative("/work/repo/pkg/calc.py", known) == "pkg/calc.py"
    assert repo_relative("/site/lib/other.py", known) is None
