"""Throwaway git repositories for the evaluation harness: create one, apply a patch to one.

The harness scores redfix's patch the way a user receives it, with `git apply`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from bot.core.errors import SandboxError
from bot.core.paths import resolve_repo_path

GIT_IDENTITY = ("-c", "user.name=redfix-eval", "-c", "user.email=redfix-eval@localhost")


def _git(repo: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SandboxError(f"cannot run git in {repo}: {exc}; install git") from exc


def create_repository(
    repo: Path, files: Mapping[str, str], *, message: str, origin: str = ""
) -> None:
    """A new repository at `repo` holding what is there plus `files`, committed once;
    with `origin`, the URL it says it was cloned from (nothing is fetched from it)."""
    repo.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        target = resolve_repo_path(repo, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    steps = [("init", "-q"), ("add", "-A"), (*GIT_IDENTITY, "commit", "-q", "-m", message)]
    if origin:
        steps.append(("remote", "add", "origin", origin))
    for args in steps:
        done = _git(repo, *args)
        if done.returncode != 0:
            raise SandboxError(f"git {args[-1]} failed in {repo}: {done.stderr.strip()}")


def apply_patch(repo: Path, patch: str) -> str | None:
    """Apply `patch` to the working tree; None when it applied, else git's complaint."""
    done = _git(repo, "apply", "--whitespace=nowarn", "-", stdin=patch)
    if done.returncode == 0:
        return None
    return done.stderr.strip() or f"git apply exited with {done.returncode}"
