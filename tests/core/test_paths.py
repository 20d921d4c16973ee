"""Which paths a model's edit may name, may touch, and which are tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core.errors import UnsafePathError, UsageError
from bot.core.paths import is_protected_path, is_test_path, resolve_repo_path


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "calc.py").write_text("x = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    return root


def test_a_plain_relative_path_resolves_inside_the_repo(repo: Path) -> None:
    assert resolve_repo_path(repo, "src/calc.py") == (repo / "src" / "calc.py").resolve()
    new_module = (repo / "src" / "new_module.py").resolve()
    assert resolve_repo_path(repo, "./src/new_module.py") == new_module


@pytest.mark.parametrize(
    ("rel", "problem"),
    [
        ("../../etc/passwd", "'..'"),
        ("src/../../outside.py", "'..'"),
        ("/etc/passwd", "absolute"),
        ("C:/Windows/win.ini", "absolute"),
        ("~/.bashrc", "absolute"),
        (".git/config", "inside .git"),
        ("sub/.GIT/hooks/pre-commit", "inside .git"),
        ("src\\..\\..\\x.py", "backslash"),
        ("src/calc.py\x00.txt", "NUL"),
        ("", "empty"),
    ],
)
def test_unsafe_paths_are_refused(repo: Path, rel: str, problem: str) -> None:
    with pytest.raises(UnsafePathError) as caught:
        resolve_repo_path(repo, rel)
    assert problem in str(caught.value)
    assert isinstance(caught.value, UsageError)  # bad input: exit code 2
    assert caught.value.path == rel


def test_a_symlinked_file_leading_outside_is_refused(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("token\n")
    (repo / "src" / "link.py").symlink_to(secret)
    with pytest.raises(UnsafePathError, match=r"symlink .* outside"):
        resolve_repo_path(repo, "src/link.py")


def test_a_symlinked_directory_on_the_way_out_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (repo / "vendor").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError, match="outside the repository"):
        resolve_repo_path(repo, "vendor/new_file.py")


def test_a_symlink_into_git_is_refused(repo: Path) -> None:
    (repo / "cfg").symlink_to(repo / ".git", target_is_directory=True)
    with pytest.raises(UnsafePathError, match=r"into \.git"):
        resolve_repo_path(repo, "cfg/config")


def test_a_symlink_that_stays_inside_is_followed(repo: Path) -> None:
    os.symlink("src", repo / "source")
    assert resolve_repo_path(repo, "source/calc.py") == (repo / "src" / "calc.py").resolve()


def test_a_repo_root_reached_through_a_symlink_still_works(repo: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(repo, target_is_directory=True)
    assert resolve_repo_path(alias, "src/calc.py") == (repo / "src" / "calc.py").resolve()


@pytest.mark.parametrize(
    ("rel", "reason"),
    [
        (".github/workflows/ci.yml", "CI configuration"),
        (".gitlab-ci.yml", "CI configuration"),
        (".circleci/config.yml", "CI configuration"),
        ("Jenkinsfile", "CI configuration"),
        ("ci/Jenkinsfile", "CI configuration"),
        ("azure-pipelines.yml", "CI configuration"),
        (".travis.yml", "CI configuration"),
        (".buildkite/pipeline.yml", "CI configuration"),
        (".github/redfix.yml", "redfix's own configuration"),
        ("poetry.lock", "lock file"),
        ("Pipfile.lock", "lock file"),
        ("uv.lock", "lock file"),
        ("web/package-lock.json", "lock file"),
        ("yarn.lock", "lock file"),
        ("pnpm-lock.yaml", "lock file"),
        ("Cargo.lock", "lock file"),
        ("go.sum", "lock file"),
        ("composer.lock", "lock file"),
        ("Gemfile.lock", "lock file"),
        (".env", "secrets"),
        ("config/.env.production", "secrets"),
        ("certs/server.pem", "secrets"),
        ("deploy/tls.key", "secrets"),
        ("id_rsa", "secrets"),
        ("home/.ssh/id_rsa.pub", "secrets"),
        (".npmrc", "secrets"),
        (".pypirc", "secrets"),
        ("aws/credentials", "secrets"),
        ("credentials.json", "secrets"),
        ("secrets.yaml", "secrets"),
        (".git/config", ".git"),
        ("./.GitHub/Workflows/release.yml", "CI configuration"),
    ],
)
def test_protected_paths_say_why(rel: str, reason: str) -> None:
    found = is_protected_path(rel)
    assert found is not None and reason in found and found.startswith(rel)


@pytest.mark.parametrize(
    "rel",
    [
        "src/calc.py",
        "README.md",
        ".github/CODEOWNERS",
        "docs/environment.md",
        "src/keys.py",
        "tests/test_env.py",
        "lockfile.py",
        "src/secret_santa.py",
    ],
)
def test_ordinary_paths_are_not_protected(rel: str) -> None:
    assert is_protected_path(rel) is None


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("tests/test_calc.py", True),
        ("tests/helpers/data.json", True),
        ("test_calc.py", True),
        ("pkg/calc_test.py", True),
        ("conftest.py", True),
        ("web/button.spec.ts", True),
        ("web/button.test.js", True),
        ("server/handler_test.go", True),
        ("app/src/test/java/AppTest.java", True),
        ("src/calc.py", False),
        ("src/testing_tools.py", False),
        ("src/contest.py", False),
        ("web/button.ts", False),
    ],
)
def test_test_files_are_recognised(rel: str, expected: bool) -> None:
    assert is_test_path(rel) is expected
