"""The `History` port over the git command line: commits, diffs, trees of old commits and
reverts, read from the repository without touching its work tree, index or refs."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bot.core.errors import UsageError
from bot.core.history import Commit

GIT_TIMEOUT_S = 120


def _run(repo: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            input=stdin,
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT_S,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"cannot run git in {repo}: {exc}; install git") from exc


def _git(repo: Path, *args: str) -> str:
    done = _run(repo, *args)
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()
        raise UsageError(f"git {' '.join(args)} failed in {repo}: {error}")
    return done.stdout.decode(errors="replace")


class GitHistory:
    """Implements bot.core.ports.History with the `git` executable."""

    def resolve(self, repo: Path, revision: str) -> str:
        if not revision or revision.startswith("-"):
            raise UsageError(f"--good {revision!r}: not a revision")
        done = _run(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
        if done.returncode != 0:
            raise UsageError(
                f"--good {revision}: no such revision in {repo} (a commit id, tag or branch; "
                "a shallow clone may lack it: git fetch --unshallow)"
            )
        return done.stdout.decode().strip()

    def is_ancestor(self, repo: Path, older: str, newer: str) -> bool:
        return _run(repo, "merge-base", "--is-ancestor", older, newer).returncode == 0

    def commits(self, repo: Path, good: str, bad: str) -> tuple[Commit, ...]:
        listed = _git(
            repo, "log", "--reverse", "--topo-order", "--format=%H%x00%an <%ae>%x00%s",
            f"{good}..{bad}",
        )
        found = []
        for line in listed.splitlines():
            sha, author, subject = [*line.split("\0"), "", ""][:3]
            found.append(Commit(sha, author, subject))
        return tuple(found)

    def diff(self, repo: Path, old: str, new: str | None, *, context: int = 3) -> str:
        span = [old] if new is None else [old, new]
        return _git(repo, "diff", "--no-color", "--no-ext-diff", "--no-renames",
                    f"-U{context}", *span, "--")

    @contextmanager
    def checkout(self, repo: Path, sha: str) -> Iterator[Path]:
        archive = _run(repo, "archive", "--format=tar", sha)
        if archive.returncode != 0:
            raise UsageError(f"git archive {sha} failed in {repo}: {archive.stderr.decode()}")
        scratch = Path(tempfile.mkdtemp(prefix=f"redfix-{sha[:12]}-"))
        try:
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(scratch, filter="data")
            yield scratch
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def reverted(self, repo: Path, sha: str) -> Mapping[str, str] | None:
        changes = _run(repo, "diff", "--name-status", "--no-renames", f"{sha}^", sha)
        lines = changes.stdout.decode().splitlines()
        if changes.returncode != 0 or not lines or any(not x.startswith("M\t") for x in lines):
            return None  # a root commit, or one that adds or deletes files
        paths = [line.split("\t", 1)[1] for line in lines]
        patch = _run(repo, "diff", "--binary", "--no-renames", f"{sha}^", sha).stdout
        with tempfile.TemporaryDirectory(prefix="redfix-revert-") as scratch:
            root = Path(scratch)
            for path in paths:
                source = repo / path
                if not source.is_file():
                    return None
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, root / path)
            if _run(root, "apply", "-R", "--whitespace=nowarn", "-", stdin=patch).returncode:
                return None
            return {path: (root / path).read_text(encoding="utf-8") for path in paths}
