"""The projects' git repositories: where their mirrors are, and reading them with git."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

BUGSINPY_MIRROR = "soarsmu+BugsInPy"


@dataclass(frozen=True)
class Project:
    name: str  # BugsInPy's name
    repository: str  # where `fetch github:<owner>/<name>` gets it today
    packages: tuple[str, ...]  # its own distribution names, left out of the requirements


PROJECTS = {
    p.name: p
    for p in (
        Project("httpie", "https://github.com/httpie/httpie", ("httpie",)),
        Project("tornado", "https://github.com/tornadoweb/tornado", ("tornado",)),
        Project("luigi", "https://github.com/spotify/luigi", ("luigi",)),
        Project("black", "https://github.com/psf/black", ("black",)),
        Project("fastapi", "https://github.com/fastapi/fastapi", ("fastapi",)),
        Project("sanic", "https://github.com/sanic-org/sanic", ("sanic",)),
        Project("scrapy", "https://github.com/scrapy/scrapy", ("scrapy", "Scrapy")),
    )
}


class RepoError(RuntimeError):
    """A mirror that is missing or lacks a commit."""


def mirror_dir(mirrors: Path, repository: str) -> Path:
    """The git directory of `repository` under a directory laid out as `fetch` makes it:
    `<owner>+<name>/repo` (a plain clone `<owner>+<name>` or `<name>` is accepted too)."""
    owner, name = repository.rstrip("/").split("/")[-2:]
    for candidate in (mirrors / f"{owner}+{name}" / "repo", mirrors / f"{owner}+{name}",
                      mirrors / name):
        if (candidate / "HEAD").is_file() or (candidate / ".git").exists():
            return candidate
    raise RepoError(f"{mirrors}: no mirror of {repository}; fetch github:{owner}/{name} "
                    f"into it (or clone it there as {owner}+{name})")


def git(repo: Path, *args: str) -> bytes:
    """The output of a read-only git command on `repo` (a git dir or a work tree)."""
    flag = ("--git-dir", str(repo)) if (repo / "HEAD").is_file() else ("-C", str(repo))
    done = subprocess.run(["git", *flag, *args], capture_output=True, check=False)
    if done.returncode != 0:
        raise RepoError(f"git {' '.join(args)} in {repo}: {done.stderr.decode().strip()}")
    return done.stdout


def show(repo: Path, commit: str, path: str) -> bytes:
    return git(repo, "show", f"{commit}:{path}")


def tree_paths(repo: Path, commit: str) -> set[str]:
    return set(git(repo, "ls-tree", "-r", "--name-only", commit).decode().splitlines())
