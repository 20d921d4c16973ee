"""Cloning and pushing over HTTPS with an installation token.

The token travels in an `http.extraHeader` given through git's environment
(GIT_CONFIG_COUNT/KEY/VALUE), so it appears neither in the process list nor in
`.git/config` of the checkout the sandbox sees.
"""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from bot.core.github import require_redfix_branch
from bot.core.github_errors import GitHubRequestRejected, GitHubUnavailable

GIT_TIMEOUT_S = 600


def _auth_env(token: str) -> dict[str, str]:
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG")}
    env.update(
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0="http.extraHeader",
        GIT_CONFIG_VALUE_0=f"Authorization: Basic {basic}",
        GIT_TERMINAL_PROMPT="0",
    )
    return env


def _git(repo: Path, *args: str, token: str | None = None) -> str:
    env = _auth_env(token) if token else None
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=GIT_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitHubUnavailable(f"git {args[0]} took over {GIT_TIMEOUT_S} s; will retry") from exc
    if done.returncode != 0:
        error = done.stderr.strip().replace(token or "\0", "[REDACTED]")
        refused = ("403", "401", "Authentication failed", "could not read Username")
        if any(sign in error for sign in refused):
            raise GitHubRequestRejected(
                f"git {args[0]} was refused ({error}): does the app have contents permission?"
            )
        raise GitHubUnavailable(f"git {args[0]} failed: {error}")
    return done.stdout


def clone_at(
    clone_url: str, dest: Path, *, token: str, sha: str, default_branch: str
) -> Path:
    """A checkout of `sha` with `origin/<default_branch>` fetched too (for its config)."""
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "-q")
    _git(dest, "remote", "add", "origin", clone_url)
    refspec = f"+refs/heads/{default_branch}:refs/remotes/origin/{default_branch}"
    _git(dest, "fetch", "-q", "--no-tags", "origin", sha, refspec, token=token)
    _git(dest, "checkout", "-q", "--detach", sha)
    return dest


def read_at(repo: Path, revision: str, path: str) -> str | None:
    """The file's text at `revision`, or None when it has none."""
    done = subprocess.run(
        ["git", "-C", str(repo), "show", f"{revision}:{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def push_branch(repo: Path, branch: str, *, token: str) -> None:
    """Force-push HEAD to redfix's own branch (the same failure gets the newest fix)."""
    require_redfix_branch(branch)
    _git(repo, "push", "-q", "--force", "origin", f"HEAD:refs/heads/{branch}", token=token)
