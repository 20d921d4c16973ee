"""The declared fallback sandbox: a process on the host over a temporary copy.

It isolates the repository's files (the command runs on a copy) and, where the
kernel lets us (`unshare -n`), the network. It does not isolate the rest of the
host: use the Docker runner for code you do not trust.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from bot.core.errors import SandboxError
from bot.core.results import RunOutcome, RunSpec, Termination
from connectors.sandbox.output import read_capped
from connectors.sandbox.workspace import copy_repository, write_overlay

REPORT_NAME = ".redfix-report.xml"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@cache
def network_namespace_available() -> bool:
    """True when `unshare -n` (or its rootless form) can start a process here."""
    for prefix in (("unshare", "-n"), ("unshare", "-rn")):
        try:
            done = subprocess.run([*prefix, "true"], capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return True
    return False


def _network_prefix() -> tuple[str, ...]:
    if not network_namespace_available():
        return ()
    return ("unshare", "-n") if os.geteuid() == 0 else ("unshare", "-rn")


class LocalRunner:
    kind = "local"

    def __init__(
        self,
        *,
        isolate_network: bool = True,
        memory_bytes: int = 4 << 30,
        max_output_bytes: int = 1 << 20,
    ) -> None:
        self.isolate_network = isolate_network
        self.memory_bytes = memory_bytes
        self.max_output_bytes = max_output_bytes

    @property
    def network_isolated(self) -> bool:
        return self.isolate_network and bool(_network_prefix())

    def run(self, spec: RunSpec) -> RunOutcome:
        with tempfile.TemporaryDirectory(prefix="redfix-run-") as scratch:
            workdir = Path(scratch) / "repo"
            copy_repository(spec.source, workdir, keep_dependencies=True)
            write_overlay(workdir, spec.overlay)
            report = Path(scratch) / REPORT_NAME
            argv = [part.replace("{report}", str(report)) for part in spec.argv]
            return self._execute(argv, spec=spec, workdir=workdir, report=report)

    def _execute(
        self, argv: Sequence[str], *, spec: RunSpec, workdir: Path, report: Path
    ) -> RunOutcome:
        prefix = _network_prefix() if self.isolate_network else ()
        log_path = workdir.parent / "output.log"
        started = time.monotonic()
        with log_path.open("wb") as log:
            try:
                process = subprocess.Popen(
                    [*prefix, *argv],
                    cwd=workdir,
                    env=self._environment(spec),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=self._prepare_child(_prctl()),
                )
            except OSError as exc:
                raise SandboxError(f"cannot start {argv[0]!r}: {exc}") from exc
            exit_code, termination = self._wait(process, timeout_s=spec.timeout_s)
        return RunOutcome(
            exit_code=exit_code,
            output=read_capped(log_path, self.max_output_bytes),
            report_xml=report.read_bytes() if report.is_file() else None,
            seconds=time.monotonic() - started,
            sandbox=self.kind,
            termination=termination,
        )

    @staticmethod
    def _wait(
        process: subprocess.Popen[bytes], *, timeout_s: float
    ) -> tuple[int | None, Termination]:
        try:
            return process.wait(timeout=timeout_s), Termination.EXITED
        except subprocess.TimeoutExpired:
            pass
        finally:
            _kill_group(process)
        return None, Termination.TIMEOUT

    def _environment(self, spec: RunSpec) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH", "TMPDIR")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        env.update(spec.env)
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        env.setdefault("PYTHONHASHSEED", "0")
        return env

    def _prepare_child(self, prctl: Callable[..., int] | None) -> Callable[[], None]:
        """What the child does before exec: limits, and dying with the thread that started it
        (a killed redfix must not leave a hanging test burning a core)."""

        def prepare() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if prctl is not None:
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

        return prepare


@cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up before fork (loading a library in the child is not safe)."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the command and everything it started (it leads its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()

