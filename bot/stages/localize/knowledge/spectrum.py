"""Spectrum-based fault localization: which lines the failing tests run and the passing don't.

The failing tests' files run under coverage.py with one context per pytest node id
(a small plugin written into the sandbox's copy switches it; coverage's own
`test_function` contexts cannot tell apart a test method a mixin lends to several
classes); `coverage json --show-contexts` becomes the run's report file, so any
SandboxRunner returns it as `RunOutcome.report_xml` (bytes, here JSON). Lines are
scored with Ochiai, ef / sqrt(F * (ef + ep)), and a chunk takes its best line.
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from bot.core.results import RunSpec, TestCase
from bot.stages.reproduce.testrun import node_id

COVERAGE_RC_PATH = ".redfix-coveragerc"  # not ".redfix-coverage.*": coverage reads those as data
COVERAGE_RC = """\
[run]
branch = True
source = .
data_file = .redfix-coverage
omit = */site-packages/*
    */.venv/*
    */node_modules/*
    redfix_coverage_contexts.py
"""
# Tests run slower under coverage (black's suite took over twice its time): the run may too.
COVERAGE_SLOWDOWN = 2.0
# Loaded with `-p`: `python -m pytest` puts the working directory on sys.path.
CONTEXT_PLUGIN = "redfix_coverage_contexts"
# The context of a test module's import: what its module-level code runs (an app set up
# once for all its tests, routes registered by decorators) happens before any test starts.
# The modules it imports are loaded first, under no context: their own top-level code
# (decorators applied, tables built) is not what this test module does.
COLLECT_CONTEXT = "redfix-collect:"
CONTEXT_PLUGIN_SOURCE = """\
# Written by redfix into its copy of the repository: one coverage context per test, and
# one per test module's own top-level code.
import ast
import importlib

import coverage
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    current = coverage.Coverage.current()
    if current is not None:
        current.switch_context(item.nodeid)
    yield
    if current is not None:
        current.switch_context("")


def _load_imports_of(path):
    try:
        with open(str(path), "rb") as source:
            tree = ast.parse(source.read())
    except Exception:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        else:
            continue
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:
                pass


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    current = coverage.Coverage.current()
    module = collector.nodeid.endswith(".py") and "::" not in collector.nodeid
    if current is not None and module:
        _load_imports_of(getattr(collector, "path", None) or collector.fspath)
        current.switch_context("@COLLECT@" + collector.nodeid)
    yield
    if current is not None and module:
        current.switch_context("")
""".replace("@COLLECT@", COLLECT_CONTEXT)


@dataclass(frozen=True)
class TestIdentity:
    """A failing test as coverage contexts name it: its pytest node id."""

    __test__ = False

    node_id: str  # `tests/test_parser.py::TestParser::test_empty[1]`
    name: str  # `test_empty[1]`, when the node id is unknown

    def matches(self, context: str) -> bool:
        if self.node_id:
            return context == self.node_id
        return context.endswith("::" + self.name)

    def failed_importing(self, context: str) -> bool:
        """Whether this is the collection error of the module whose import `context` is
        (pytest reports one as a case named by the module, dotted: `tests.test_app`)."""
        if self.node_id or not context.startswith(COLLECT_CONTEXT):
            return False
        module = context.removeprefix(COLLECT_CONTEXT)
        return self.name == module.removesuffix(".py").replace("/", ".")


def identity_of_test(case: TestCase, repo: Path) -> TestIdentity:
    return TestIdentity(node_id(case, repo) or "", case.name)


def _launcher(test_command: Sequence[str]) -> tuple[tuple[str, ...], str] | None:
    """What runs before pytest's interpreter (a wrapper such as `xvfb-run -a`), and that
    interpreter; None when the command does not run pytest."""
    for index, part in enumerate(test_command):
        program = PurePosixPath(part).name
        runs_pytest = tuple(test_command[index + 1 : index + 3]) in (("-m", "pytest"),
                                                                      ("-m", "py.test"))
        if program.startswith("python") and runs_pytest:
            return tuple(test_command[:index]), part
        if program in ("pytest", "py.test"):
            return tuple(test_command[:index]), "python"
    return None


@dataclass(frozen=True)
class TestSuite:
    """How the repository's tests run in the sandbox (as the pipeline's Suite runs them)."""

    __test__ = False

    command: tuple[str, ...] = ("python", "-m", "pytest")
    timeout_s: float = 300.0
    env: Mapping[str, str] = field(default_factory=dict)
    setup: tuple[str, ...] = ()
    dependency_files: tuple[str, ...] = ()


def _pytest_options(command: Sequence[str]) -> list[str]:
    """The options the suite's command gives pytest (`--noconftest`, `-p no:xdist`...)."""
    for index, part in enumerate(command):
        if PurePosixPath(part).name in ("pytest", "py.test"):
            return list(command[index + 1 :])
    return []


def coverage_spec(
    repo: Path, *, suite: TestSuite, test_files: Sequence[str], whole_suite: bool = False
) -> RunSpec | None:
    """The run that measures which tests execute which lines, or None if not Python/pytest.

    It runs `test_files`, or with `whole_suite` the tests the suite's command collects.
    """
    launcher = _launcher(suite.command)
    if launcher is None or not (test_files or whole_suite):
        return None
    wrapper, python = launcher
    rc = shlex.quote(COVERAGE_RC_PATH)
    py = shlex.quote(python)
    given = _pytest_options(suite.command)
    options = " ".join(shlex.quote(option) for option in given)
    # A file the command already names would run twice (old pytest does not dedupe).
    files = " ".join(shlex.quote(path) for path in test_files if path not in given)
    # `json -i`: code compiled from templates (tornado's) has no source file to report;
    # no `-q`: coverage 5 lacks it for `json`.
    script = (
        f"{py} -m coverage run --rcfile={rc} -m pytest {options}"
        f"{' ' if options else ''}-p {CONTEXT_PLUGIN} -p no:cacheprovider -q --tb=no {files}; "
        f"{py} -m coverage json --rcfile={rc} --show-contexts -i -o {{report}}"
    )
    return RunSpec(
        source=repo,
        argv=(*wrapper, "sh", "-c", script),
        overlay={COVERAGE_RC_PATH: COVERAGE_RC, f"{CONTEXT_PLUGIN}.py": CONTEXT_PLUGIN_SOURCE},
        timeout_s=suite.timeout_s * COVERAGE_SLOWDOWN,
        env=dict(suite.env),
        setup=suite.setup,
        dependency_files=suite.dependency_files,
    )


@dataclass(frozen=True)
class Spectrum:
    """Per file and line, the test contexts that executed it.

    `collected` holds, apart, the lines run while a test module was imported, each with
    the contexts of that module's tests: module-level code runs once for all of them.
    Apart, because an import also runs every `def` line of the modules it loads.
    """

    failing: frozenset[str]
    passing: frozenset[str]
    lines: Mapping[str, Mapping[int, frozenset[str]]]
    collected: Mapping[str, Mapping[int, frozenset[str]]] = field(default_factory=dict)

    def saw(self, test: TestIdentity) -> bool:
        """Whether coverage ran `test` (or its module's failed import) as a failing context."""
        return any(test.matches(c) or test.failed_importing(c) for c in self.failing)

    def score(self, contexts: frozenset[str]) -> float:
        """Ochiai of a line the tests of `contexts` executed."""
        failed = len(contexts & self.failing)
        return ochiai(failed, len(contexts & self.passing), len(self.failing))


def parse_coverage_json(data: bytes, *, failing: Sequence[TestIdentity]) -> Spectrum:
    """Read `coverage json --show-contexts`; contexts matching `failing` are the failing tests."""
    try:
        files = json.loads(data)["files"]
        raw = {
            path: {
                int(line): frozenset(c for c in contexts if c)
                for line, contexts in info.get("contexts", {}).items()
            }
            for path, info in files.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        return Spectrum(frozenset(), frozenset(), {})
    tests = {c for by_line in raw.values() for names in by_line.values() for c in names
             if not c.startswith(COLLECT_CONTEXT)}
    failing_tests = frozenset(c for c in tests if any(t.matches(c) for t in failing))
    imports = _only(raw, lambda context: context.startswith(COLLECT_CONTEXT))
    broken = frozenset(c for by_line in imports.values() for names in by_line.values()
                       for c in names if any(t.failed_importing(c) for t in failing))
    collected = {
        path: {line: _tests_of_modules(contexts, tests) | (contexts & broken)
               for line, contexts in by_line.items()}
        for path, by_line in imports.items()
    }
    lines = _only(raw, lambda context: context in tests)
    return Spectrum(failing_tests | broken, frozenset(tests - failing_tests), lines, collected)


def _only(
    raw: Mapping[str, Mapping[int, frozenset[str]]], keep: Callable[[str], bool]
) -> dict[str, dict[int, frozenset[str]]]:
    kept: dict[str, dict[int, frozenset[str]]] = {}
    for path, by_line in raw.items():
        for line, contexts in by_line.items():
            chosen = frozenset(c for c in contexts if keep(c))
            if chosen:
                kept.setdefault(path, {})[line] = chosen
    return kept


def _tests_of_modules(imports: frozenset[str], tests: set[str]) -> frozenset[str]:
    modules = tuple(context.removeprefix(COLLECT_CONTEXT) + "::" for context in imports)
    return frozenset(test for test in tests if test.startswith(modules))


def ochiai(failed_here: int, passed_here: int, total_failed: int) -> float:
    if failed_here == 0 or total_failed == 0:
        return 0.0
    return failed_here / math.sqrt(total_failed * (failed_here + passed_here))


def repo_relative(path: str, known: set[str]) -> str | None:
    """`path` as coverage wrote it (relative or absolute) mapped onto a known repo path."""
    cleaned = path.replace("\\", "/")
    if cleaned in known:
        return cleaned
    parts = cleaned.split("/")
    for start in range(1, len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in known:
            return candidate
    return None
