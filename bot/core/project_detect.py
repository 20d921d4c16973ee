"""Per-repository defaults when .github/redfix.yml says nothing: how to install, how to test.

Pure logic over the repository's files (read, never run). pytest runs unittest-style
tests too, so the test command is always `python -m pytest`, and the setup always
installs pytest (first, so that a pin in the project's own requirements wins).

Projects are installed editable (`pip install -e .`): every sandbox run brings its
own copy of the repository to the same path, and an editable install follows it,
where a plain install would shadow the code under test with a stale copy.
"""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Framework = Literal["pytest", "unittest", "jest"]

PYTEST_COMMAND = ("python", "-m", "pytest")
PIP_INSTALL = "python -m pip install"
REQUIREMENT_FILES = (
    "requirements.txt",
    "requirements-dev.txt", "requirements_dev.txt", "dev-requirements.txt",
    "requirements-test.txt", "requirements_test.txt", "test-requirements.txt",
    "requirements-tests.txt", "requirements_tests.txt", "requirements-testing.txt",
    "requirements/base.txt", "requirements/common.txt", "requirements/main.txt",
    "requirements/prod.txt", "requirements/dev.txt", "requirements/test.txt",
    "requirements/tests.txt", "requirements/testing.txt",
)
TEST_EXTRAS = ("test", "tests", "testing", "dev")
SKIPPED_DIRS = frozenset({
    ".git", ".venv", "venv", "env", "node_modules", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".tox", ".nox", "build", "dist", "site-packages", ".eggs",
})
MAX_TEST_FILES = 300
MAX_READ_BYTES = 256 * 1024
_IMPORTS_PYTEST = re.compile(r"^\s*(import pytest|from pytest\b|from _pytest\b)", re.MULTILINE)
_USES_PYTEST = re.compile(r"@pytest\.|pytest\.(raises|fixture|mark)")
_TESTCASE_CLASS = re.compile(r"^class \w+\((?:[\w.]*\.)?(?:TestCase|IsolatedAsyncioTestCase)\b",
                             re.MULTILINE)
_INCLUDE = re.compile(r"^\s*(?:-r|-c|--requirement|--constraint)\s*=?\s*(\S+)", re.MULTILINE)
_SETUP_PY_EXTRA = re.compile(r"""["']({})["']\s*:""".format("|".join(TEST_EXTRAS)))


@dataclass(frozen=True)
class DetectedProject:
    framework: Framework
    test_command: tuple[str, ...]
    setup: tuple[str, ...]
    dependency_files: tuple[str, ...]
    reasons: tuple[str, ...] = ()  # one line per decision, for `redfix doctor` and logs


def _read(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            return stream.read(MAX_READ_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(_read(path)) if path.is_file() else {}
    except tomllib.TOMLDecodeError:
        return {}


def _ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    if path.is_file():
        try:
            parser.read_string(_read(path), source=str(path))
        except configparser.Error:
            return configparser.ConfigParser(interpolation=None)
    return parser


def _test_files(repo: Path) -> Iterator[Path]:
    count = 0
    stack = [repo]
    while stack and count < MAX_TEST_FILES:
        directory = stack.pop()
        try:
            entries = sorted(directory.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                continue
            if entry.is_dir() and entry.name not in SKIPPED_DIRS:
                stack.append(entry)
            elif entry.suffix == ".py" and (
                entry.name.startswith("test") or entry.name.endswith("_test.py")
                or entry.name == "conftest.py"
            ):
                count += 1
                yield entry


def first_python_test(repo: Path) -> str | None:
    """The first Python test file (or conftest.py) found in `repo`, relative to it."""
    found = next(_test_files(repo), None)
    return found.relative_to(repo).as_posix() if found is not None else None


def _pytest_config(repo: Path, pyproject: dict[str, Any]) -> str | None:
    """Where the repository configures pytest, if it does."""
    if (repo / "pytest.ini").is_file():
        return "pytest.ini"
    if "pytest" in pyproject.get("tool", {}):
        return "[tool.pytest] in pyproject.toml"
    if _ini(repo / "setup.cfg").has_section("tool:pytest"):
        return "[tool:pytest] in setup.cfg"
    if _ini(repo / "tox.ini").has_section("pytest"):
        return "[pytest] in tox.ini"
    return None


def detect_framework(repo: Path, pyproject: dict[str, Any]) -> tuple[Framework, str]:
    """pytest or unittest, with the evidence."""
    configured = _pytest_config(repo, pyproject)
    if configured:
        return "pytest", f"pytest: configured in {configured}"
    saw_testcase = None
    for path in _test_files(repo):
        relative = path.relative_to(repo).as_posix()
        if path.name == "conftest.py":
            return "pytest", f"pytest: {relative} exists"
        text = _read(path)
        if _IMPORTS_PYTEST.search(text) or _USES_PYTEST.search(text):
            return "pytest", f"pytest: {relative} uses pytest"
        if saw_testcase is None and _TESTCASE_CLASS.search(text):
            saw_testcase = relative
    if saw_testcase is not None:
        return "unittest", f"unittest: TestCase classes in {saw_testcase}, none uses pytest"
    return "pytest", "pytest: no test framework found; pytest is the default"


def _requirement_files(repo: Path) -> tuple[list[str], list[str]]:
    """The usual requirement files, and the files they include (-r/-c) by name."""
    found = [name for name in REQUIREMENT_FILES if (repo / name).is_file()]
    included: list[str] = []
    for name in found:
        base = Path(name).parent
        for target in _INCLUDE.findall(_read(repo / name)):
            path = (base / target).as_posix()
            if (repo / path).is_file() and path not in found and path not in included:
                included.append(path)
    return found, included


def _extras_of(repo: Path, pyproject: dict[str, Any]) -> list[str]:
    extras: set[str] = set(pyproject.get("project", {}).get("optional-dependencies", {}))
    setup_cfg = _ini(repo / "setup.cfg")
    if setup_cfg.has_section("options.extras_require"):
        extras.update(setup_cfg.options("options.extras_require"))
    if (repo / "setup.py").is_file():
        extras.update(_SETUP_PY_EXTRA.findall(_read(repo / "setup.py")))
    return [extra for extra in TEST_EXTRAS if extra in extras]


def _is_installable(repo: Path, pyproject: dict[str, Any]) -> bool:
    if (repo / "setup.py").is_file():
        return True
    if "project" in pyproject or "build-system" in pyproject:
        return True
    setup_cfg = _ini(repo / "setup.cfg")
    return setup_cfg.has_section("metadata") or setup_cfg.has_section("options")


def _tox_deps(repo: Path) -> tuple[list[str], list[str]]:
    """Requirements and requirement files of tox's base [testenv], without factor lines."""
    tox = _ini(repo / "tox.ini")
    if not tox.has_option("testenv", "deps"):
        return [], []
    packages: list[str] = []
    files: list[str] = []
    for line in tox.get("testenv", "deps").splitlines():
        entry = line.split("#", 1)[0].strip()
        if not entry or "{" in entry or re.match(r"^[\w,!-]+:\s", entry):
            continue  # substitutions and factor-conditional lines depend on the env
        include = _INCLUDE.match(entry)
        if include:
            files.append(include.group(1))
        elif not entry.startswith(("-", ".")):
            packages.append(entry)
    return packages, [name for name in files if (repo / name).is_file()]


def _quoted(words: list[str]) -> str:
    return " ".join(shlex.quote(word) for word in words)


def detect_setup(repo: Path, pyproject: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """(setup commands, dependency files, reasons) for installing the repository's needs."""
    commands: list[str] = []
    files: list[str] = []
    reasons: list[str] = []
    installed, included = _requirement_files(repo)
    commands.extend(f"{PIP_INSTALL} -r {shlex.quote(name)}" for name in installed)
    files.extend([*installed, *included])  # pip reads the included ones itself
    if files:
        reasons.append(f"dependencies: {', '.join(files)}")
    tox_packages, tox_files = _tox_deps(repo)
    for name in tox_files:
        if name not in files:
            files.append(name)
            commands.append(f"{PIP_INSTALL} -r {shlex.quote(name)}")
    if tox_packages:
        commands.append(f"{PIP_INSTALL} {_quoted(tox_packages)}")
        reasons.append(f"dependencies: [testenv] deps of tox.ini ({', '.join(tox_packages)})")
    if tox_packages or tox_files:
        files.append("tox.ini")
    if _is_installable(repo, pyproject):
        extras = _extras_of(repo, pyproject)
        target = f".[{','.join(extras)}]" if extras else "."
        commands.append(f"{PIP_INSTALL} -e {shlex.quote(target)}")
        files.extend(name for name in ("pyproject.toml", "setup.py", "setup.cfg")
                     if (repo / name).is_file())
        reasons.append(f"project: installed editable as {target}")
    return commands, files, reasons


def detect_project(repo: Path) -> DetectedProject:
    """The defaults for `repo`: framework, test command, setup commands, dependency files."""
    pyproject = _toml(repo / "pyproject.toml")
    framework, framework_reason = detect_framework(repo, pyproject)
    commands, files, reasons = detect_setup(repo, pyproject)
    # First, so that the project's own pins win; a no-op where pytest is already there.
    commands.insert(0, f"{PIP_INSTALL} pytest")
    return DetectedProject(
        framework=framework,
        test_command=PYTEST_COMMAND,
        setup=tuple(commands),
        dependency_files=tuple(dict.fromkeys(files)),
        reasons=(framework_reason, *reasons),
    )
