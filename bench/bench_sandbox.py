"""How much the Docker sandbox costs over running the same tests on the host.

For each project:
  bare        the tests in a host venv with the project's setup done beforehand (median;
              bare and warm runs alternate, so both see the same load)
  cold        DockerRunner.run with no dependency image for this repository state: the
              set-up container installs the dependencies, then the tests run
  warm        DockerRunner.run again: the image is cached (median)
Target: warm <= 1.3 x bare + 1.5 s.

Projects: examples/bookshop (or a tiny generated repo), and one real project from
PyPI whose sdist ships its tests (default toolz==1.0.0).

    .venv/bin/python bench/bench_sandbox.py [--repeat 5] [--pypi toolz==1.0.0] [--cold-runtime]

--cold-runtime also drops the shared runtime image (venv + pytest) before the cold run.
Needs the Docker engine and the base image: run scripts/setup-docker first.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeET

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.project_detect import detect_project  # noqa: E402
from bot.core.results import RunSpec  # noqa: E402
from connectors.sandbox.docker import DockerRunner  # noqa: E402
from connectors.sandbox.images import RUNTIME_REPOSITORY  # noqa: E402
from connectors.sandbox.workspace import copy_repository  # noqa: E402

PYTEST_ARGS = ("-q", "-p", "no:cacheprovider", "--junitxml={report}")
TINY_REPO = {
    "calc.py": "def add(a, b):\n    return a + b\n",
    "tests/test_calc.py": "".join(
        f"def test_add_{n}():\n    from calc import add\n    assert add({n}, 1) == {n + 1}\n\n"
        for n in range(50)
    ),
}


@dataclass(frozen=True)
class Row:
    project: str
    tests: int
    bare_s: float
    cold_s: float
    cold_setup_s: float
    warm_s: float

    @property
    def target_s(self) -> float:
        return 1.3 * self.bare_s + 1.5


def example_repo(scratch: Path) -> tuple[str, Path]:
    destination = scratch / "example"
    bookshop = ROOT / "examples" / "bookshop"
    if bookshop.is_dir():
        copy_repository(bookshop, destination)
        return "examples/bookshop", destination
    for name, text in TINY_REPO.items():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        (destination / name).write_text(text)
    return "tiny generated repo", destination


def pypi_repo(requirement: str, scratch: Path) -> tuple[str, Path]:
    downloads = scratch / "sdist"
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                    "-q", "-d", str(downloads), requirement], check=True)
    archive = next(downloads.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(scratch / "src", filter="data")
    return f"{requirement} (PyPI sdist)", next((scratch / "src").iterdir())


def make_unique(repo: Path, dependency_files: tuple[str, ...]) -> None:
    """A comment in a dependency file: a repository state no cache has seen."""
    name = dependency_files[0] if dependency_files else "requirements-bench.txt"
    with (repo / name).open("a") as stream:
        stream.write(f"\n# redfix bench {uuid.uuid4().hex}\n")


def bare_command(
    repo: Path, setup: tuple[str, ...], scratch: Path
) -> tuple[list[str], dict[str, str]]:
    """A host venv with the project's setup done: the argv and environment of a bare run."""
    venv = scratch / f"venv-{repo.name}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {"PATH": f"{venv}/bin:/usr/local/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(venv),
           "HOME": str(scratch), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for command in setup:
        subprocess.run(command, shell=True, cwd=repo, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    argv = [str(venv / "bin" / "python"), "-m", "pytest",
            *(arg.replace("{report}", str(scratch / "bare.xml")) for arg in PYTEST_ARGS)]
    return argv, env


def timed_bare(argv: list[str], env: dict[str, str], repo: Path) -> float:
    started = time.monotonic()
    subprocess.run(argv, cwd=repo, env=env, stdout=subprocess.DEVNULL, check=False)
    return time.monotonic() - started


def timed_run(runner: DockerRunner, spec: RunSpec) -> tuple[float, bytes | None]:
    started = time.monotonic()
    outcome = runner.run(spec)
    return time.monotonic() - started, outcome.report_xml


def count_tests(report: bytes | None) -> int:
    if report is None:
        return 0
    return sum(int(suite.get("tests", 0)) for suite in SafeET.fromstring(report).iter("testsuite"))


def measure(name: str, repo: Path, runner: DockerRunner, *, scratch: Path, repeat: int) -> Row:
    detected = detect_project(repo)
    make_unique(repo, detected.dependency_files)
    spec = RunSpec(source=repo, argv=(*detected.test_command, *PYTEST_ARGS), timeout_s=600,
                   setup=detected.setup, dependency_files=detected.dependency_files)
    cold_s, report = timed_run(runner, spec)
    record = runner.last_run
    assert record is not None and record.dependency_image_built, "the cold run found a cache"
    argv, env = bare_command(repo, detected.setup, scratch)
    bare: list[float] = []
    warm: list[float] = []
    for _ in range(repeat):  # interleaved: both see the same load on a shared machine
        bare.append(timed_bare(argv, env, repo))
        warm.append(timed_run(runner, spec)[0])
        assert runner.last_run is not None and not runner.last_run.dependency_image_built
    runner.client().images.remove(record.image)
    return Row(name, count_tests(report), statistics.median(bare), cold_s, record.setup_seconds,
               statistics.median(warm))


def print_table(rows: list[Row]) -> None:
    header = (f"{'project':<34} {'tests':>5} {'bare s':>7} {'cold s':>7} {'(setup)':>8} "
              f"{'warm s':>7} {'warm/bare':>9} {'target s':>8}  ok")
    print(header)
    print("-" * len(header))
    for row in rows:
        ok = "yes" if row.warm_s <= row.target_s else "NO"
        print(f"{row.project:<34} {row.tests:>5} {row.bare_s:>7.2f} {row.cold_s:>7.2f} "
              f"{row.cold_setup_s:>8.2f} {row.warm_s:>7.2f} {row.warm_s / row.bare_s:>9.2f} "
              f"{row.target_s:>8.2f}  {ok}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pypi", default="toolz==1.0.0", help="NAME==VERSION of an sdist")
    parser.add_argument("--image", default="python:3.11-slim")
    parser.add_argument("--cold-runtime", action="store_true")
    args = parser.parse_args()
    runner = DockerRunner(image=args.image)
    try:
        if args.cold_runtime:
            for image in runner.client().images.list(name=RUNTIME_REPOSITORY):
                runner.client().images.remove(image.id)
        with tempfile.TemporaryDirectory(prefix="redfix-bench-") as tmp:
            scratch = Path(tmp)
            projects = [example_repo(scratch), pypi_repo(args.pypi, scratch)]
            rows = [measure(name, repo, runner, scratch=scratch, repeat=args.repeat)
                    for name, repo in projects]
    finally:
        runner.close()
    print_table(rows)
    return 0 if all(row.warm_s <= row.target_s for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
