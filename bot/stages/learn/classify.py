"""What kind of failure this is, from the evidence redfix has (no model needed).

code bug · test bug · flaky · environment · dependency change. The evidence:
how the failure reproduced, the exception type, and where the deepest frame
inside the repository is (source or test code). A model's reading may refine
the class (`explain`), but a failure that did not reproduce every time is
flaky whatever the model says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from bot.core.results import Reproduction, TestCase
from bot.core.sourcefiles import is_test_path
from bot.stages.ingest.tracebacks import parse_frames


class FailureClass(StrEnum):
    CODE_BUG = "code bug"
    TEST_BUG = "test bug"
    FLAKY = "flaky"
    ENVIRONMENT = "environment"
    DEPENDENCY = "dependency change"


ENVIRONMENT_SIGNS = re.compile(
    r"\b(ConnectionError|ConnectionRefusedError|TimeoutError|PermissionError|MemoryError|"
    r"OSError|socket\.gaierror|No space left on device|Name or service not known|"
    r"Temporary failure in name resolution|Read-only file system|command not found|"
    r"KeyError: '[A-Z][A-Z0-9_]+')"
)
DEPENDENCY_SIGNS = re.compile(
    r"\b(ModuleNotFoundError|ImportError|cannot import name|DeprecationWarning|"
    r"FutureWarning|VersionConflict|DistributionNotFound|incompatible version)"
)
TEST_CODE_ERRORS = re.compile(r"\b(NameError|fixture '[^']+' not found|SyntaxError|TypeError)")
SITE_PACKAGES = ("site-packages", "dist-packages")


def _text(case: TestCase) -> str:
    return f"{case.message}\n{case.traceback}"


def _is_dependency(path: str) -> bool:
    return any(part in path for part in SITE_PACKAGES) or path.startswith(("/usr/lib/", "<"))


def _deepest_repository_frame(case: TestCase) -> str | None:
    frames = [f.path for f in parse_frames(case.traceback) if not _is_dependency(f.path)]
    return frames[-1] if frames else None


def _through_dependency(case: TestCase) -> bool:
    paths = [f.path for f in parse_frames(case.traceback)]
    return bool(paths) and _is_dependency(paths[-1])


def classify_case(case: TestCase, reproduction: Reproduction | None = None) -> FailureClass:
    if reproduction in (Reproduction.FLAKY, Reproduction.NOT_REPRODUCIBLE):
        return FailureClass.FLAKY
    text = _text(case)
    if DEPENDENCY_SIGNS.search(text) or (
        _through_dependency(case) and "AttributeError" in text
    ):
        return FailureClass.DEPENDENCY
    if ENVIRONMENT_SIGNS.search(text):
        return FailureClass.ENVIRONMENT
    deepest = _deepest_repository_frame(case)
    in_tests = deepest is not None and is_test_path(deepest)
    if in_tests and TEST_CODE_ERRORS.search(text):
        return FailureClass.TEST_BUG
    return FailureClass.CODE_BUG


def classify(
    failures: Sequence[TestCase], reproduction: dict[str, Reproduction] | None = None
) -> FailureClass:
    """The class of a group of failures: the most common, code bug on a tie or none."""
    verdicts = reproduction or {}
    classes = [classify_case(case, verdicts.get(case.key)) for case in failures]
    if not classes:
        return FailureClass.CODE_BUG
    return max(FailureClass, key=lambda c: (classes.count(c), c is FailureClass.CODE_BUG))


def parse_class(text: str) -> FailureClass | None:
    """A class a model named (`Class: test bug`), or None when it named none."""
    match = re.search(r"(?im)^\W*class(?:ification)?\W*:\s*(.+)$", text)
    if match is None:
        return None
    named = match.group(1).strip().strip("*`.").lower()
    for kind in FailureClass:
        if named.startswith(kind.value) or named.startswith(kind.value.split()[0]):
            return kind
    return None
