"""Which language a repository, a test command, a file or a fence tag belongs to.

A new language is one module beside this one and one entry in LANGUAGES.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from bot.core.language import Language
from bot.core.languages.javascript import JavaScript
from bot.core.languages.python import Python
from bot.core.project_detect import DetectedProject

PYTHON: Language = Python()
LANGUAGES: tuple[Language, ...] = (PYTHON, JavaScript())


def language_of_repo(repo: Path) -> Language:
    """Python when the repository shows Python's project files (as redfix always read
    them), else the first language that detects the repository, else Python."""
    if PYTHON.detects(repo):
        return PYTHON
    return next((language for language in LANGUAGES if language.detects(repo)), PYTHON)


def detect_project(repo: Path) -> DetectedProject:
    """How to install `repo` and run its tests, by the language it is written in."""
    return language_of_repo(repo).project(repo)


def language_of_command(command: Sequence[str]) -> Language | None:
    """The language whose test runner `command` runs, if redfix knows it."""
    return next((language for language in LANGUAGES if language.runs(command)), None)


def language_of_path(path: str) -> Language | None:
    suffix = PurePosixPath(path).suffix.casefold()
    return next((language for language in LANGUAGES if suffix in language.extensions), None)


def language_of_fence(tag: str) -> Language | None:
    """The language a fenced block's tag (```ts, ```python) names."""
    tag = tag.casefold()
    return next((language for language in LANGUAGES if tag in language.fence_tags), None)

