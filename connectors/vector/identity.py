"""What names a repository in the index, and which commit its working tree is at."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _git(repo: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def without_credentials(url: str) -> str:
    """`https://user:token@host/x.git` -> `https://host/x.git`: tokens never reach the index."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def repository_name(repo: Path) -> str:
    """The origin remote's URL (so clones share an index), else the directory's real path."""
    remote = _git(repo, "config", "--get", "remote.origin.url")
    return without_credentials(remote) if remote else str(repo.resolve())


def head_commit(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD") or ""
