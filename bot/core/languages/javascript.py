"""JavaScript and TypeScript tested with Jest, reporting through jest-junit.

jest-junit reads its options from the environment: the report goes to `{report}` and each
case names its file. Its names are left as the project (or jest-junit's defaults) makes
them, so that a case keeps the key it has in the CI run's own report; by default both
classname and name are the full name (`describe` blocks and title). A node id is
`file::full name`, the way `jest -t NAME -- FILE` selects it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from bot.core.language import WeakeningMarkers
from bot.core.project_detect import DetectedProject
from bot.core.results import TestCase

JEST_COMMAND = (
    "env",
    "JEST_JUNIT_OUTPUT_FILE={report}",
    "JEST_JUNIT_ADD_FILE_ATTRIBUTE=true",
    "npx",
    "--offline",  # the project's own Jest, never one fetched (nor looked up) for the run
    "--no-install",
    "jest",
    "--ci",
    "--reporters=default",
    "--reporters=jest-junit",
)
DEPENDENCY_FILES = ("package.json", "package-lock.json")
TEST_DIRS = frozenset({"__tests__", "tests", "test"})
EXTENSIONS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")
TEST_NAMES = tuple(f"*.{kind}{ext}" for kind in ("test", "spec") for ext in EXTENSIONS)
_JS_SPECIAL = re.compile(r"[.*+?^${}()|[\]\\/]")
_CALL = r"(?<![\w$.])"  # a call of the name itself, not of a method that ends like it
MARKERS = WeakeningMarkers(
    markers=(
        (re.compile(r"\b(?:it|test|describe)\.skip\s*\("), "skips tests with `.skip(`"),
        (re.compile(_CALL + r"x(?:it|test|describe)\s*\("),
         "skips tests with `xit(`, `xtest(` or `xdescribe(`"),
        (re.compile(r"\b(?:it|test|describe)\.only\s*\("),
         "runs only some tests with `.only(`, so the others no longer run"),
        (re.compile(_CALL + r"f(?:it|describe)\s*\("),
         "runs only some tests with `fit(` or `fdescribe(`, so the others no longer run"),
        (re.compile(r"\b(?:it|test)\.todo\s*\("), "turns tests into todos with `.todo(`"),
    ),
    assertion=re.compile(_CALL + r"expect\s*\("),
    assertion_name="expect(",
)


def _package(repo: Path) -> dict[str, Any]:
    try:
        loaded = json.loads((repo / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _declares(package: dict[str, Any], name: str) -> bool:
    sections = ("dependencies", "devDependencies", "peerDependencies")
    return any(name in (package.get(section) or {}) for section in sections)


def _setup(repo: Path, package: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(commands, reasons): `npm ci` from a lock file, else `npm install`; jest-junit
    on top when the project does not declare it."""
    if (repo / "package-lock.json").is_file():
        commands, reasons = ["npm ci"], ["dependencies: npm ci from package-lock.json"]
    else:
        commands, reasons = ["npm install"], ["dependencies: npm install (no package-lock.json)"]
    if not _declares(package, "jest-junit"):
        commands.append("npm install --no-save jest-junit")
        reasons.append("report: jest-junit installed for the run (the project lacks it)")
    return commands, reasons


def _js_escaped(text: str) -> str:
    """`text` matched literally by a JavaScript regular expression."""
    return _JS_SPECIAL.sub(lambda found: "\\" + found.group(0), text)


def _relative_file(file: str, repo: Path) -> str | None:
    """The report's file as a repository path (jest-junit may write it absolute, inside
    the sandbox's copy of the repository)."""
    parts = PurePosixPath(file.replace("\\", "/")).parts
    for start in range(len(parts)):
        tail = "/".join(parts[start:])
        if tail and not tail.startswith("/") and (repo / tail).is_file():
            return tail
    return None


def _full_name(case: TestCase) -> str:
    """The name `jest -t` matches: the reported name when it already holds the classname
    (jest-junit's default templates), else the classname (`describe` blocks) before it."""
    classname, name = case.classname.strip(), case.name.strip()
    return name if name.startswith(classname) else f"{classname} {name}"


class JavaScript:
    name = "javascript"
    fence_tags = frozenset({"javascript", "js", "jsx", "mjs", "cjs", "typescript", "ts", "tsx"})
    extensions = EXTENSIONS
    weakening: WeakeningMarkers | None = MARKERS

    def detects(self, repo: Path) -> str | None:
        package = _package(repo)
        if _declares(package, "jest"):
            return "javascript: jest is a dependency in package.json"
        if "jest" in str((package.get("scripts") or {}).get("test", "")):
            return "javascript: the test script of package.json runs jest"
        return None

    def project(self, repo: Path) -> DetectedProject:
        commands, reasons = _setup(repo, _package(repo))
        return DetectedProject(
            framework="jest",
            test_command=JEST_COMMAND,
            setup=tuple(commands),
            dependency_files=tuple(name for name in DEPENDENCY_FILES if (repo / name).is_file()),
            reasons=(self.detects(repo) or "javascript: package.json", *reasons),
        )

    def runs(self, command: Sequence[str]) -> bool:
        return any(part == "jest" or part.endswith("/jest") for part in command)

    def select(
        self, command: Sequence[str], node_ids: Sequence[str], *, deselect: Sequence[str],
        hang_after_s: int | None,
    ) -> tuple[str, ...]:
        """Jest's own argv: the names as one `-t` pattern, the files as path patterns after
        `--` (an array option such as `--reporters` would take them for its own). A name
        matches anywhere in a test's full name: a test more is harmless, one fewer is not.
        Jest cannot leave tests out (`deselect`) nor dump a hung test's stack."""
        if not node_ids:
            return tuple(command)
        files = dict.fromkeys(node.split("::", 1)[0] for node in node_ids)
        names = [node.split("::", 1)[1] for node in node_ids if "::" in node]
        pattern = "|".join(_js_escaped(name) for name in names)
        title = ("-t", pattern) if pattern else ()
        return (*command, *title, "--", *(_js_escaped(path) for path in files))

    def node_id(self, case: TestCase, repo: Path) -> str | None:
        path = _relative_file(case.file, repo) if case.file else None
        if path is None:
            return None
        return f"{path}::{_full_name(case)}"

    def is_test_path(self, rel: str) -> bool:
        path = PurePosixPath(rel.casefold())
        if path.suffix not in EXTENSIONS:
            return False
        if any(part in TEST_DIRS for part in path.parts[:-1]):
            return True
        return any(fnmatchcase(path.name, pattern) for pattern in TEST_NAMES)
