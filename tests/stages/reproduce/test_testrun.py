from bot.core.results import Outcome, TestCase
from bot.stages.reproduce.testrun import PYTEST_REPORT_ARGS, node_id, suite_argv


def test_pytest_gets_report_options_and_selection():
    argv = suite_argv(("python", "-m", "pytest"), node_ids=["tests/test_a.py::test_x"])
    assert argv == ("python", "-m", "pytest", *PYTEST_REPORT_ARGS, "tests/test_a.py::test_x")
    assert "--junitxml={report}" in argv


def test_other_runners_place_report_and_tests_themselves():
    argv = suite_argv(("npx", "jest", "--reporters=jest-junit", "{tests}"), node_ids=["a", "b"])
    assert argv == ("npx", "jest", "--reporters=jest-junit", "a", "b")


def test_node_ids_from_classnames(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text("")
    plain = TestCase("tests.test_calc", "test_add[1-2]", Outcome.FAILED)
    method = TestCase("tests.test_calc.TestCalc", "test_sub", Outcome.FAILED)
    missing = TestCase("tests.test_gone", "test_x", Outcome.FAILED)
    assert node_id(plain, tmp_path) == "tests/test_calc.py::test_add[1-2]"
    assert node_id(method, tmp_path) == "tests/test_calc.py::TestCalc::test_sub"
    assert node_id(missing, tmp_path) is None


def test_node_id_from_file_attribute_when_classname_is_not_a_module(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "checks.py").write_text("")
    case = TestCase("Checks", "test_y", Outcome.FAILED, file="src/checks.py")
    assert node_id(case, tmp_path) == "src/checks.py::Checks::test_y"


def test_jest_gets_its_selection_from_its_language(tmp_path):
    (tmp_path / "__tests__").mkdir()
    (tmp_path / "__tests__" / "cart.test.js").write_text("")
    case = TestCase("total", "adds", Outcome.FAILED, file="__tests__/cart.test.js")
    identifier = node_id(case, tmp_path)
    assert identifier == "__tests__/cart.test.js::total adds"
    argv = suite_argv(("npx", "jest", "--ci"), node_ids=[identifier])
    assert argv == ("npx", "jest", "--ci", "-t", "total adds", "--", r"__tests__\/cart\.test\.js")
