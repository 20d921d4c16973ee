"""The Language port: Python as redfix always ran it, JavaScript with Jest, and the
registry that picks one for a repository, a command, a file or a fence tag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core import project_detect
from bot.core.languages.javascript import JEST_COMMAND
from bot.core.languages.registry import (
    LANGUAGES,
    detect_project,
    language_of_command,
    language_of_fence,
    language_of_path,
    language_of_repo,
)
from bot.core.paths import is_test_path
from bot.core.results import Outcome, TestCase

JEST_PACKAGE = {"name": "shop", "devDependencies": {"jest": "^29.7.0", "jest-junit": "^16.0.0"}}


def make_repo(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def by_name(name: str):
    return next(language for language in LANGUAGES if language.name == name)


def test_a_python_repository_is_detected_exactly_as_before(tmp_path):
    repo = make_repo(tmp_path, {"pyproject.toml": "[project]\nname='x'\n",
                                "tests/test_a.py": "import pytest\n"})
    assert language_of_repo(repo).name == "python"
    assert detect_project(repo) == project_detect.detect_project(repo)


def test_a_repository_without_project_files_defaults_to_python(tmp_path):
    assert language_of_repo(tmp_path).name == "python"
    assert detect_project(tmp_path).test_command == ("python", "-m", "pytest")


def test_python_project_files_win_over_a_jest_package(tmp_path):
    repo = make_repo(tmp_path, {"setup.py": "", "package.json": json.dumps(JEST_PACKAGE)})
    assert language_of_repo(repo).name == "python"


@pytest.mark.parametrize(
    ("package", "evidence"),
    [
        (JEST_PACKAGE, "jest is a dependency"),
        ({"scripts": {"test": "jest --coverage"}}, "test script of package.json runs jest"),
    ],
)
def test_jest_is_detected_from_package_json(tmp_path, package, evidence):
    repo = make_repo(tmp_path, {"package.json": json.dumps(package)})
    detected = detect_project(repo)
    assert detected.framework == "jest"
    assert detected.test_command == JEST_COMMAND
    assert evidence in detected.reasons[0]


def test_python_tests_win_over_a_jest_package_without_python_project_files(tmp_path):
    repo = make_repo(tmp_path, {"tests/test_calc.py": "def test_x():\n    pass\n",
                                "package.json": json.dumps(JEST_PACKAGE)})
    assert language_of_repo(repo).name == "python"
    assert by_name("python").detects(repo) == "python: tests/test_calc.py"


def test_python_tests_inside_node_modules_do_not_count(tmp_path):
    repo = make_repo(tmp_path, {"node_modules/gyp/test_gyp.py": "",
                                "package.json": json.dumps(JEST_PACKAGE)})
    assert language_of_repo(repo).name == "javascript"


def test_a_package_without_jest_is_not_a_jest_project(tmp_path):
    repo = make_repo(tmp_path, {"package.json": json.dumps({"scripts": {"test": "mocha"}})})
    assert language_of_repo(repo).name == "python"


def test_a_broken_package_json_is_not_detected(tmp_path):
    repo = make_repo(tmp_path, {"package.json": "{not json"})
    assert by_name("javascript").detects(repo) is None


def test_jest_reports_junit_to_the_report_placeholder_with_the_projects_names():
    assert "JEST_JUNIT_OUTPUT_FILE={report}" in JEST_COMMAND
    assert not [part for part in JEST_COMMAND if "TEMPLATE" in part or "CLASSNAME" in part], \
        "a case keeps the key it has in the CI run's report"
    assert JEST_COMMAND[JEST_COMMAND.index("npx"):] == (
        "npx", "--offline", "--no-install", "jest", "--ci", "--reporters=default",
        "--reporters=jest-junit")


def test_setup_runs_npm_ci_from_a_lock_file(tmp_path):
    repo = make_repo(tmp_path, {"package.json": json.dumps(JEST_PACKAGE),
                                "package-lock.json": "{}"})
    detected = detect_project(repo)
    assert detected.setup == ("npm ci",)
    assert detected.dependency_files == ("package.json", "package-lock.json")


def test_setup_installs_without_a_lock_file_and_adds_jest_junit_when_missing(tmp_path):
    repo = make_repo(tmp_path, {"package.json": json.dumps({"devDependencies": {"jest": "29"}})})
    detected = detect_project(repo)
    assert detected.setup == ("npm install", "npm install --no-save jest-junit")
    assert detected.dependency_files == ("package.json",)


def test_jest_selects_files_and_escaped_full_names():
    jest = by_name("javascript")
    argv = jest.select(JEST_COMMAND, ["__tests__/cart.test.js::total adds (1+1) lines",
                                      "__tests__/cart.test.js::total takes 10% off"],
                       deselect=(), hang_after_s=30)
    assert argv == (*JEST_COMMAND, "-t", r"total adds \(1\+1\) lines|total takes 10% off",
                    "--", r"__tests__\/cart\.test\.js")


def test_jest_without_a_selection_runs_everything():
    assert by_name("javascript").select(JEST_COMMAND, [], deselect=(), hang_after_s=None) \
        == JEST_COMMAND


@pytest.mark.parametrize("file", ["__tests__/cart.test.js",
                                  "/tmp/redfix-run-x/repo/__tests__/cart.test.js"])
@pytest.mark.parametrize(
    ("classname", "name", "full"),
    [
        ("total takes 10% off", "total takes 10% off", "total takes 10% off"),  # defaults
        (" adds", " adds", "adds"),  # defaults, outside any describe block
        ("total", "takes 10% off", "total takes 10% off"),  # {classname} and {title}
        ("total", "total takes 10% off", "total takes 10% off"),  # {classname}, full title
    ],
)
def test_jest_node_ids_come_from_the_file_attribute_and_the_full_name(
    tmp_path, file, classname, name, full
):
    repo = make_repo(tmp_path, {"__tests__/cart.test.js": ""})
    case = TestCase(classname, name, Outcome.FAILED, file=file)
    assert by_name("javascript").node_id(case, repo) == f"__tests__/cart.test.js::{full}"


def test_a_jest_case_whose_file_is_gone_has_no_node_id(tmp_path):
    case = TestCase("total", "adds", Outcome.FAILED, file="__tests__/gone.test.js")
    assert by_name("javascript").node_id(case, tmp_path) is None


@pytest.mark.parametrize(
    ("path", "language", "is_test"),
    [
        ("tests/test_calc.py", "python", True),
        ("pkg/calc_test.py", "python", True),
        ("conftest.py", "python", True),
        ("pkg/calc.py", "python", False),
        ("src/cart.test.ts", "javascript", True),
        ("src/cart.spec.js", "javascript", True),
        ("src/__tests__/cart.js", "javascript", True),
        ("src/cart.tsx", "javascript", False),
        ("src/testing.js", "javascript", False),
    ],
)
def test_test_file_conventions_agree_with_the_path_rules(path, language, is_test):
    found = language_of_path(path)
    assert found is not None and found.name == language
    assert found.is_test_path(path) is is_test
    assert is_test_path(path) is is_test


def test_a_language_never_claims_another_languages_files():
    assert not by_name("python").is_test_path("tests/cart.test.js")
    assert not by_name("javascript").is_test_path("tests/test_calc.py")
    assert language_of_path("main.go") is None


@pytest.mark.parametrize(
    ("command", "language"),
    [
        (("python", "-m", "pytest"), "python"),
        (("/venv/bin/pytest", "-x"), "python"),
        (JEST_COMMAND, "javascript"),
        (("node_modules/.bin/jest",), "javascript"),
    ],
)
def test_the_runner_of_a_command(command, language):
    found = language_of_command(command)
    assert found is not None and found.name == language


def test_an_unknown_runner_has_no_language():
    assert language_of_command(("go", "test", "./...")) is None


@pytest.mark.parametrize(
    ("tag", "language"),
    [("python", "python"), ("py", "python"), ("javascript", "javascript"),
     ("JS", "javascript"), ("ts", "javascript"), ("typescript", "javascript")],
)
def test_fence_tags_name_their_language(tag, language):
    found = language_of_fence(tag)
    assert found is not None and found.name == language


def test_an_unknown_fence_tag_has_no_language():
    assert language_of_fence("bash") is None
