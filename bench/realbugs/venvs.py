"""One virtual environment per project and requirement set, cached outside the repository.

    ${REDFIX_CACHE:-~/.cache/redfix}/realbugs/venvs/<project>-<hash>/

The interpreter is BugsInPy's Python (major.minor) when pyenv or the PATH has it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PYENV_VERSIONS = Path.home() / ".pyenv" / "versions"
TEST_RUNNER = "pytest"  # added when the pins hold no pytest: the harness runs tests with it
# pytest before 3.5 has no --deselect, which the suite needs to leave out the tests that fail
# offline even with the fix: older pins are raised to 3.5.1, the first with it (later ones
# reject old conftest files), and the pins of pytest's own dependencies dropped so pip can
# choose matching ones.
PYTEST_FLOOR = (3, 5)
PYTEST_RAISED = "pytest==3.5.1"
PYTEST_DEPENDENCIES = ("pluggy", "py")
# What redfix's sandbox image brings beside a project's own pins: the spectrum signal runs
# the failing tests under coverage. Added after the pins (and not part of the venv's hash:
# the project's environment is the same), keeping a version the project pinned.
HARNESS_TOOLS = ("coverage",)
# BugsInPy froze some environments on Windows: these have no Linux distribution at all.
WINDOWS_ONLY = frozenset({"pywin32", "pypiwin32", "pywinpty", "wincertstore", "winkerberos"})


@dataclass(frozen=True)
class Venv:
    path: Path
    problem: str  # "" when it is ready; else which package could not be installed

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


def cache_root(env: Mapping[str, str]) -> Path:
    base = env.get("REDFIX_CACHE") or str(Path.home() / ".cache" / "redfix")
    return Path(base) / "realbugs" / "venvs"


def venv_path(root: Path, project: str, python: str, requirements: Sequence[str]) -> Path:
    digest = hashlib.sha256("\n".join([python, *requirements]).encode()).hexdigest()[:12]
    return root / f"{project}-{digest}"


def find_python(version: str) -> Path | None:
    """A `version` (e.g. "3.8") interpreter: pyenv's newest patch release, else python3.X."""
    found = sorted(PYENV_VERSIONS.glob(f"{version}.*/bin/python"),
                   key=lambda p: [int(x) for x in p.parent.parent.name.split(".")[2:3] or [0]])
    if found:
        return found[-1]
    on_path = shutil.which(f"python{version}")
    return Path(on_path) if on_path else None


def _name(requirement: str) -> str:
    return requirement.split("==")[0].strip().lower()


def _too_old(requirement: str) -> bool:
    version = requirement.partition("==")[2].split(".")
    try:
        return tuple(int(part) for part in version[:2]) < PYTEST_FLOOR
    except ValueError:
        return False


def with_test_runner(requirements: Sequence[str]) -> list[str]:
    """The requirements with a pytest the harness can drive (added, or raised from < 3.5),
    less the Windows-only packages."""
    requirements = [r for r in requirements if _name(r) not in WINDOWS_ONLY]
    pins = {_name(r): r for r in requirements}
    if TEST_RUNNER not in pins:
        return [*requirements, TEST_RUNNER]
    if not _too_old(pins[TEST_RUNNER]):
        return list(requirements)
    kept = [r for r in requirements if _name(r) not in (TEST_RUNNER, *PYTEST_DEPENDENCIES)]
    return [*kept, PYTEST_RAISED]


def _pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                           "--disable-pip-version-check", *args],
                          capture_output=True, text=True, check=False)


def _uninstallable(venv: Path, requirements: Sequence[str]) -> list[str]:
    """The requirements pip cannot install one by one (without their dependencies)."""
    return [r for r in requirements if _pip(venv, "--no-deps", r).returncode != 0]


def ensure_venv(root: Path, project: str, python: str, requirements: Sequence[str]) -> Venv:
    """The cached environment, made on first use; `problem` names what could not be installed."""
    wanted = with_test_runner(requirements)
    path = venv_path(root, project, python, wanted)
    done, failed = path / ".installed", path / ".failed"
    if done.is_file():
        return _with_tools(Venv(path, ""))
    if failed.is_file():
        return Venv(path, failed.read_text())
    interpreter = find_python(python)
    if interpreter is None:
        return Venv(path, f"no Python {python} on this machine (pyenv install {python})")
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(interpreter), "-m", "venv", str(path)], check=True,
                   capture_output=True, env={**os.environ, "PIP_REQUIRE_VIRTUALENV": ""})
    requirement_file = path / "requirements.txt"
    requirement_file.write_text("\n".join(wanted) + "\n")
    installed = _pip(path, "-r", str(requirement_file))
    if installed.returncode == 0:
        done.write_text("")
        return _with_tools(Venv(path, ""))
    broken = _uninstallable(path, wanted) or ["(dependency conflict)"]
    problem = f"cannot install {', '.join(broken)} on Python {python}: " + \
        installed.stderr.strip().splitlines()[-1][:300]
    failed.write_text(problem)
    return Venv(path, problem)


def _with_tools(venv: Venv) -> Venv:
    """`venv` with the harness's tools, once (a tool that will not install only costs its
    signal: the localizer says so in its notes)."""
    marker = venv.path / ".tools"
    if not marker.is_file():
        pinned = (venv.path / "requirements.txt").read_text().lower().split()
        missing = [t for t in HARNESS_TOOLS if not any(p.startswith(f"{t}==") for p in pinned)]
        if missing:
            _pip(venv.path, *missing)
        marker.write_text("\n".join(missing) + "\n")
    return venv
