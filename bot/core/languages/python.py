"""Python: pytest (which runs unittest-style tests too), as redfix has always run it."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from bot.core.language import WeakeningMarkers
from bot.core.project_detect import DetectedProject, detect_project, first_python_test
from bot.core.results import TestCase

PYTEST_REPORT_ARGS = (
    "-p",
    "no:cacheprovider",
    "-o",
    "junit_family=xunit1",
    "--junitxml={report}",
    "-q",
)
PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "tox.ini")
TEST_DIRS = frozenset({"tests", "test"})
TEST_NAMES = ("test_*.py", "*_test.py", "conftest.py")


def is_pytest(command: Sequence[str]) -> bool:
    return any(part == "pytest" or part.endswith("/pytest") for part in command)


def _module_file(dotted: str, repo: Path) -> tuple[str, list[str]] | None:
    """Split `pkg.test_mod.TestClass` into (`pkg/test_mod.py`, [`TestClass`])."""
    parts = dotted.split(".") if dotted else []
    for cut in range(len(parts), 0, -1):
        candidate = "/".join(parts[:cut]) + ".py"
        if (repo / candidate).is_file():
            return candidate, parts[cut:]
    return None


class Python:
    name = "python"
    fence_tags = frozenset({"python", "py", "python3", "py3", "ipython"})
    extensions = (".py",)
    weakening: WeakeningMarkers | None = None  # stages/policy reads Python tests with `ast`

    def detects(self, repo: Path) -> str | None:
        found = [name for name in PROJECT_FILES if (repo / name).is_file()]
        if found:
            return f"python: {', '.join(found)}"
        test = first_python_test(repo)
        return f"python: {test}" if test else None

    def project(self, repo: Path) -> DetectedProject:
        return detect_project(repo)

    def runs(self, command: Sequence[str]) -> bool:
        return is_pytest(command)

    def select(
        self, command: Sequence[str], node_ids: Sequence[str], *, deselect: Sequence[str],
        hang_after_s: int | None,
    ) -> tuple[str, ...]:
        """pytest with its report options, and with `hang_after_s` a dump of the stacks of
        a test still running after that long."""
        hang = ("-o", f"faulthandler_timeout={hang_after_s}") if hang_after_s else ()
        leave_out = [arg for node in deselect for arg in ("--deselect", node)]
        return (*command, *PYTEST_REPORT_ARGS, *hang, *leave_out, *node_ids)

    def node_id(self, case: TestCase, repo: Path) -> str | None:
        located = _module_file(case.classname, repo)
        if located is None and case.file and (repo / case.file).is_file():
            module = case.file.removesuffix(".py").replace("/", ".")
            rest = case.classname.removeprefix(module).strip(".")
            located = (case.file, rest.split(".") if rest else [])
        if located is None:
            return None
        path, classes = located
        return "::".join([path, *classes, case.name])

    def is_test_path(self, rel: str) -> bool:
        path = PurePosixPath(rel.casefold())
        if path.suffix != ".py":
            return False
        if any(part in TEST_DIRS for part in path.parts[:-1]):
            return True
        return any(fnmatchcase(path.name, pattern) for pattern in TEST_NAMES)
