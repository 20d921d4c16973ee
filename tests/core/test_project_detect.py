"""detect_project over small literal repositories written to a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.project_detect import detect_project

PIP = "python -m pip install"


def make_repo(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


UNITTEST_TEST = (
    "import unittest\n\nclass TestMath(unittest.TestCase):\n    def test_one(self):\n        pass\n"
)
PYTEST_TEST = "import pytest\n\ndef test_one():\n    assert True\n"


@pytest.mark.parametrize(
    ("files", "evidence"),
    [
        ({"pytest.ini": "[pytest]\n"}, "pytest.ini"),
        ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n"}, "pyproject.toml"),
        ({"setup.cfg": "[tool:pytest]\ntestpaths = tests\n"}, "setup.cfg"),
        ({"tox.ini": "[pytest]\nminversion = 6\n"}, "tox.ini"),
        ({"tests/conftest.py": "", "tests/test_a.py": UNITTEST_TEST}, "tests/conftest.py"),
        ({"tests/test_a.py": UNITTEST_TEST, "tests/test_b.py": PYTEST_TEST}, "tests/test_b.py"),
    ],
)
def test_pytest_is_recognised_by_its_evidence(tmp_path, files, evidence):
    detected = detect_project(make_repo(tmp_path, files))
    assert detected.framework == "pytest"
    assert evidence in detected.reasons[0]
    assert detected.test_command == ("python", "-m", "pytest")


def test_unittest_suite_is_run_by_pytest_which_setup_installs(tmp_path):
    detected = detect_project(make_repo(tmp_path, {"tests/test_math.py": UNITTEST_TEST}))
    assert detected.framework == "unittest"
    assert detected.test_command == ("python", "-m", "pytest")
    assert detected.setup == (f"{PIP} pytest",)
    assert detected.dependency_files == ()


def test_testcase_imported_by_name_counts_as_unittest(tmp_path):
    test = "from unittest import TestCase\n\nclass TestX(TestCase):\n    pass\n"
    detected = detect_project(make_repo(tmp_path, {"test_x.py": test}))
    assert detected.framework == "unittest"


def test_empty_repository_defaults_to_pytest(tmp_path):
    detected = detect_project(tmp_path)
    assert detected.framework == "pytest"
    assert detected.setup == (f"{PIP} pytest",)


def test_test_files_in_a_virtualenv_are_ignored(tmp_path):
    detected = detect_project(make_repo(tmp_path, {
        ".venv/lib/site-packages/pkg/test_vendor.py": PYTEST_TEST,
        "tests/test_mine.py": UNITTEST_TEST,
    }))
    assert detected.framework == "unittest"


def test_requirement_files_are_installed_and_key_the_cache(tmp_path):
    detected = detect_project(make_repo(tmp_path, {
        "requirements.txt": "requests==2.31\n",
        "requirements-dev.txt": "-r requirements.txt\n-c constraints/pins.txt\npytest>=7\n",
        "constraints/pins.txt": "idna<4\n",
        "requirements/test.txt": "hypothesis\n",
        "tests/test_a.py": PYTEST_TEST,
    }))
    assert detected.setup == (
        f"{PIP} pytest",
        f"{PIP} -r requirements.txt",
        f"{PIP} -r requirements-dev.txt",
        f"{PIP} -r requirements/test.txt",
    )
    assert detected.dependency_files == (
        "requirements.txt", "requirements-dev.txt", "requirements/test.txt",
        "constraints/pins.txt",
    )


def test_pyproject_with_a_test_extra_is_installed_editable_with_it(tmp_path):
    pyproject = (
        "[build-system]\nrequires = ['setuptools']\nbuild-backend = 'setuptools.build_meta'\n"
        "[project]\nname = 'demo'\nversion = '1'\n"
        "[project.optional-dependencies]\ndocs = ['sphinx']\ntest = ['pytest', 'pytest-cov']\n"
    )
    detected = detect_project(make_repo(tmp_path, {"pyproject.toml": pyproject}))
    assert detected.setup == (f"{PIP} pytest", f"{PIP} -e '.[test]'")
    assert detected.dependency_files == ("pyproject.toml",)


def test_plain_setup_py_is_installed_editable(tmp_path):
    setup_py = "from setuptools import setup\nsetup(name='demo', install_requires=['six'])\n"
    detected = detect_project(make_repo(tmp_path, {"setup.py": setup_py}))
    assert detected.setup == (f"{PIP} pytest", f"{PIP} -e .")
    assert detected.dependency_files == ("setup.py",)


def test_setup_py_extras_and_setup_cfg_extras_are_found(tmp_path):
    detected = detect_project(make_repo(tmp_path, {
        "setup.py": "from setuptools import setup\nsetup(extras_require={'testing': ['pytest']})\n",
        "setup.cfg": "[metadata]\nname = demo\n[options.extras_require]\ndev = black\n",
    }))
    assert f"{PIP} -e '.[testing,dev]'" in detected.setup
    assert detected.dependency_files == ("setup.py", "setup.cfg")


def test_tox_base_deps_are_installed_without_factor_lines(tmp_path):
    tox = (
        "[tox]\nenvlist = py311\n"
        "[testenv]\ndeps =\n    pytest\n    attrs>=22  # comment\n    py38: mock\n"
        "    {[base]deps}\n    -rrequirements/tox.txt\ncommands = pytest\n"
    )
    detected = detect_project(make_repo(tmp_path, {
        "tox.ini": tox, "requirements/tox.txt": "six\n",
    }))
    assert detected.setup == (
        f"{PIP} pytest", f"{PIP} -r requirements/tox.txt", f"{PIP} pytest 'attrs>=22'"
    )
    assert detected.dependency_files == ("requirements/tox.txt", "tox.ini")


def test_broken_pyproject_does_not_stop_detection(tmp_path):
    detected = detect_project(make_repo(tmp_path, {
        "pyproject.toml": "[project\nname = ",
        "requirements.txt": "pytest\n",
        "tests/test_a.py": UNITTEST_TEST,
    }))
    assert detected.framework == "unittest"
    assert detected.setup == (f"{PIP} pytest", f"{PIP} -r requirements.txt")

