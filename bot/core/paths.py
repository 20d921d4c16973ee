"""Which repository paths an edit may name, and which it must never touch.

`resolve_repo_path` is the only way a model-written path becomes a filesystem
path. The diff prefixes `a/` `b/` and `./` are the parser's business: here a
path is taken literally and refused when it is unsafe.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from bot.core.errors import UnsafePathError

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")

# (glob on the whole lower-cased path, reason). `**` is spelled as a prefix check below.
_PROTECTED_TREES: tuple[tuple[str, str], ...] = (
    (".git/", "it is inside .git"),
    (".github/workflows/", "it is CI configuration"),
    (".github/actions/", "it is CI configuration"),
    (".circleci/", "it is CI configuration"),
    (".buildkite/", "it is CI configuration"),
)
_PROTECTED_FILES: tuple[tuple[str, str], ...] = (
    (".github/redfix.yml", "it is redfix's own configuration"),
    (".github/redfix.yaml", "it is redfix's own configuration"),
    (".gitlab-ci.yml", "it is CI configuration"),
    ("azure-pipelines.yml", "it is CI configuration"),
    (".travis.yml", "it is CI configuration"),
)
# Matched against the lower-cased file name, wherever the file is.
_PROTECTED_NAMES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("jenkinsfile",), "it is CI configuration"),
    (
        (
            "poetry.lock",
            "pipfile.lock",
            "uv.lock",
            "package-lock.json",
            "yarn.lock",
            "pnpm-lock.yaml",
            "cargo.lock",
            "go.sum",
            "composer.lock",
            "gemfile.lock",
        ),
        "it is a lock file",
    ),
    (
        (
            ".env",
            ".env.*",
            "*.pem",
            "*.key",
            "*.p12",
            "*.pfx",
            "id_rsa*",
            "id_ecdsa*",
            "id_ed25519*",
            ".npmrc",
            ".pypirc",
            ".netrc",
            "credentials*",
            "secrets.*",
        ),
        "it may hold secrets",
    ),
)
_TEST_DIRS = frozenset({"tests", "test", "__tests__"})
_TEST_NAMES = (
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "*_test.go",
    "*.spec.js",
    "*.spec.ts",
    "*.spec.jsx",
    "*.spec.tsx",
    "*.spec.mjs",
    "*.spec.cjs",
    "*.test.js",
    "*.test.ts",
    "*.test.jsx",
    "*.test.tsx",
    "*.test.mjs",
    "*.test.cjs",
)


def path_problem(rel: str) -> str | None:
    """Why `rel` is not a safe repository-relative path, judged from the text alone."""
    if not rel or not rel.strip():
        return "the path is empty"
    if "\x00" in rel:
        return "it contains a NUL byte"
    if "\\" in rel:
        return "it contains a backslash; use '/' between directories"
    if rel.startswith(("/", "~")) or _WINDOWS_DRIVE.match(rel):
        return "it is absolute; name files relative to the repository root"
    parts = PurePosixPath(rel).parts
    if ".." in parts:
        return "it contains '..'; name files relative to the repository root"
    if any(part.casefold() == ".git" for part in parts):
        return "it is inside .git"
    return None


def resolve_repo_path(repo_root: Path, rel: str) -> Path:
    """The real path of `rel` inside `repo_root`, or UnsafePathError.

    Symlinks are followed for every component that exists, so a link anywhere
    on the way that leads outside the repository (or into .git) is refused.
    """
    problem = path_problem(rel)
    if problem is not None:
        raise UnsafePathError(rel, problem)
    root = repo_root.resolve()
    resolved = root.joinpath(*PurePosixPath(rel).parts).resolve()
    if not resolved.is_relative_to(root):
        raise UnsafePathError(rel, "a symlink on the way leads outside the repository")
    inside = resolved.relative_to(root)
    if any(part.casefold() == ".git" for part in inside.parts):
        raise UnsafePathError(rel, "a symlink on the way leads into .git")
    return resolved


def _normalised(rel: str) -> str:
    text = rel.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text.lstrip("/").casefold()


def is_protected_path(rel: str) -> str | None:
    """Why a fix must never touch `rel` (CI, lock files, secrets, .git), or None."""
    path = _normalised(rel)
    if path == ".git" or any(part == ".git" for part in PurePosixPath(path).parts):
        return f"{rel}: it is inside .git"
    for prefix, reason in _PROTECTED_TREES:
        if path.startswith(prefix):
            return f"{rel}: {reason}"
    for exact, reason in _PROTECTED_FILES:
        if path == exact:
            return f"{rel}: {reason}"
    name = PurePosixPath(path).name
    for patterns, reason in _PROTECTED_NAMES:
        if any(fnmatchcase(name, pattern) for pattern in patterns):
            return f"{rel}: {reason}"
    return None


def is_test_path(rel: str) -> bool:
    """Whether `rel` looks like a test file by the usual conventions of its language."""
    path = PurePosixPath(_normalised(rel))
    if any(part in _TEST_DIRS for part in path.parts[:-1]):
        return True
    return any(fnmatchcase(path.name, pattern) for pattern in _TEST_NAMES)
