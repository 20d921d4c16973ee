"""The real projects the benchmark mutates, fetched as sdists into a cache outside the repo.

    pip download --no-binary :all: --no-deps NAME==VERSION

Their code is never committed; the cache defaults to ~/.cache/redfix-bench
(REDFIX_BENCH_CACHE overrides it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Project:
    name: str
    requirement: str  # NAME==VERSION on PyPI
    directory: str  # the sdist's top directory
    packages: tuple[str, ...]  # where the mutated modules live
    target: int  # mutants to keep
    env: dict[str, str] = field(default_factory=dict)
    pytest_args: tuple[str, ...] = ()
    skip_modules: tuple[str, ...] = ("_version.py", "compatibility.py", "_signatures.py")


PROJECTS = (
    Project("toolz", "toolz==1.0.0", "toolz-1.0.0", ("toolz",), 50),
    Project(
        "more-itertools", "more-itertools==10.5.0", "more-itertools-10.5.0", ("more_itertools",), 50
    ),
    Project(
        "cachetools",
        "cachetools==5.5.0",
        "cachetools-5.5.0",
        ("src/cachetools",),
        35,
        env={"PYTHONPATH": "src"},
    ),
    Project("inflection", "inflection==0.5.1", "inflection-0.5.1", ("inflection",), 25),
    # Its conftest uses a hook argument pytest 9 removed; one test depends on the machine.
    Project(
        "boltons",
        "boltons==24.1.0",
        "boltons-24.1.0",
        ("boltons",),
        15,
        pytest_args=("--noconftest", "--deselect", "tests/test_fileutils.py::test_iter_find_files"),
    ),
)
EXTRA_FOR_INDEX: tuple[Project, ...] = ()


def cache_dir() -> Path:
    return Path(os.environ.get("REDFIX_BENCH_CACHE", Path.home() / ".cache" / "redfix-bench"))


def source_tree(project: Project) -> Path:
    """The unpacked sdist (downloaded and unpacked on first use)."""
    root = cache_dir() / "src" / project.directory
    if root.is_dir():
        return root
    sdists = cache_dir() / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    archive = sdists / f"{project.directory}.tar.gz"
    if not archive.is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-binary",
                ":all:",
                "--no-deps",
                "-q",
                "-d",
                str(sdists),
                project.requirement,
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(cache_dir() / "src", filter="data")
    for junk in root.glob("*.egg-info"):
        shutil.rmtree(junk)
    return root


def mutable_modules(project: Project, root: Path) -> list[str]:
    paths: list[str] = []
    for package in project.packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            parts = relative.split("/")
            if (
                "tests" in parts
                or path.name.startswith("test_")
                or path.name in project.skip_modules
            ):
                continue
            paths.append(relative)
    return paths
