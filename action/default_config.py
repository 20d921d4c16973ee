"""The repository's .github/redfix.yml as the default branch has it, never the build's own.

The file is the repository's policy for redfix (allow_test_edits, attempts, ...). A
pull request's checkout holds the pull request's copy, which could loosen the policy
the pull request is judged by, so the Action reads the default branch's copy with
git, as the GitHub App does: from the checkout's `origin/<default>` when it has one,
else from a fetch of that branch alone. When the default branch cannot be read,
redfix's defaults apply, with a warning: never the checkout's copy.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bot.core.config import REPO_CONFIG_PATH, RepoConfig
from bot.wiring.settings import parse_repo_config
from connectors.github.remote import read_at

GIT_TIMEOUT_S = 120


@dataclass(frozen=True)
class DefaultConfig:
    """The settings the default branch sets, and what the step log says about them."""

    config: RepoConfig
    note: str
    unreadable: bool = False  # the default branch could not be read: redfix's defaults


class _Unreadable(Exception):
    """Why the default branch's commit could not be found."""


def read_default_config(workspace: Path, branch: str) -> DefaultConfig:
    """The default branch's .github/redfix.yml in the checkout at `workspace`."""
    if not branch:
        return _unreadable("the event payload names no repository.default_branch")
    try:
        commit = _branch_commit(workspace, branch)
    except _Unreadable as exc:
        return _unreadable(f"cannot read the default branch {branch}: {exc}")
    where = f"{REPO_CONFIG_PATH} on the default branch {branch} ({commit[:7]})"
    text = read_at(workspace, commit, REPO_CONFIG_PATH)
    ignored = _ignored_copy(workspace, text)
    if text is None:
        return DefaultConfig(RepoConfig(), f"redfix: no {where}: redfix's defaults{ignored}")
    return DefaultConfig(parse_repo_config(text, origin=where),
                         f"redfix: settings from {where}{ignored}")


def _unreadable(reason: str) -> DefaultConfig:
    return DefaultConfig(
        RepoConfig(),
        f"redfix: {reason}. Using redfix's default settings, not this checkout's "
        f"{REPO_CONFIG_PATH}: a pull request must not set its own policy. Check out with "
        "actions/checkout (its default persist-credentials: true lets redfix fetch the "
        "default branch), or give the settings as inputs of the step",
        unreadable=True,
    )


def _ignored_copy(workspace: Path, used: str | None) -> str:
    """A remark when the checkout's own copy says something else (it is not used)."""
    own = workspace / REPO_CONFIG_PATH
    try:
        text = own.read_text(encoding="utf-8") if own.is_file() else None
    except (OSError, UnicodeDecodeError):
        text = ""
    if text == used:
        return ""
    return f"; this checkout's own {REPO_CONFIG_PATH} differs and is ignored"


def _branch_commit(workspace: Path, branch: str) -> str:
    tracking = _git(workspace, "rev-parse", "--verify", "--quiet",
                    f"refs/remotes/origin/{branch}^{{commit}}")
    if tracking.returncode == 0:
        return tracking.stdout.strip()
    shallow = _git(workspace, "rev-parse", "--is-shallow-repository")
    if shallow.returncode != 0:
        raise _Unreadable(f"{workspace} is not a git checkout ({shallow.stderr.strip()})")
    # --depth only in a shallow clone: in a full one it would cut the history short.
    # An empty --refmap leaves the checkout's remote-tracking branches as they are.
    depth = ["--depth=1"] if shallow.stdout.strip() == "true" else []
    fetched = _git(workspace, "fetch", "--quiet", "--no-tags", "--no-recurse-submodules",
                   "--refmap=", *depth, "origin", f"refs/heads/{branch}")
    if fetched.returncode != 0:
        raise _Unreadable(f"git fetch origin {branch} failed ({fetched.stderr.strip()})")
    fetched_commit = _git(workspace, "rev-parse", "--verify", "FETCH_HEAD^{commit}")
    if fetched_commit.returncode != 0:
        raise _Unreadable(f"git fetch origin {branch} brought no commit")
    return fetched_commit.stdout.strip()


def _git(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(workspace), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=GIT_TIMEOUT_S,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except subprocess.TimeoutExpired as exc:
        raise _Unreadable(f"git {args[0]} took over {GIT_TIMEOUT_S} s") from exc
    except OSError as exc:
        raise _Unreadable(f"git cannot be run ({exc})") from exc
