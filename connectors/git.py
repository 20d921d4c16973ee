"""Putting a validated patch on a new branch of the user's repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.core.errors import UsageError


def _git(repo: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout


def head_commit(repo: Path) -> str | None:
    try:
        return _git(repo, "rev-parse", "HEAD").strip()
    except UsageError:
        return None


def diff_since(repo: Path, base: str) -> str:
    """The change from the merge base of `base` and HEAD to HEAD (what a PR shows)."""
    if head_commit(repo) is None:
        raise UsageError(f"--base needs a git repository with commits: {repo} has none")
    return _git(repo, "diff", "--no-color", "--no-ext-diff", f"{base}...HEAD")


def commit_on_branch(repo: Path, patch: str, *, branch: str, message: str) -> str:
    """Create `branch` from HEAD, apply `patch` to it and commit; return the commit id.

    Only the patched files are staged; other local changes stay as they were.
    """
    if head_commit(repo) is None:
        raise UsageError(f"--apply needs a git repository with a commit: {repo} has none")
    _git(repo, "apply", "--check", "-", stdin=patch)
    _git(repo, "checkout", "-b", branch)
    _git(repo, "apply", "--index", "-", stdin=patch)
    _git(
        repo,
        "-c",
        "user.name=redfix",
        "-c",
        "user.email=redfix@localhost",
        "commit",
        "--no-verify",
        "-m",
        message,
    )
    return _git(repo, "rev-parse", "HEAD").strip()
