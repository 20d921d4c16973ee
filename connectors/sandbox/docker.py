"""DockerRunner: runs a command over a copy of a repository in a locked-down container.

Each run: the repository copy (with the overlay) goes into a fresh labelled volume
through `put_archive` (never a bind mount of the user's tree); the container has
no network, a read-only root, a non-root user, no capabilities, and memory, CPU
and pids limits; the wall clock and the output are watched from here. Container
and volume are removed however the run ends.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, DockerException
from docker.types import Mount
from requests.exceptions import RequestException

from bot.core.errors import SandboxError, SandboxUnavailable
from bot.core.results import RunOutcome, RunSpec, Termination
from connectors.sandbox.containers import (
    LOG_CONFIG,
    SANDBOX_UID,
    ContainerEnd,
    WatchLimits,
    managed_labels,
    read_file_from,
    remove_quietly,
    run_to_end,
    workspace_archive,
)
from connectors.sandbox.images import DependencyImages
from connectors.sandbox.leftovers import remove_run, sweep
from connectors.sandbox.pip_settings import host_pip_environment, resolve_ca_bundle
from connectors.sandbox.workspace import copy_repository, write_overlay

WORK_DIR = "/work"
REPO_DIR = f"{WORK_DIR}/repo"
REPORT_PATH = f"{WORK_DIR}/out/report.xml"
TMP_DIR = "/tmp"  # noqa: S108  (inside the container: a private tmpfs)
HOW_TO_START = (
    "start the Docker daemon: `sudo systemctl start docker`, or `scripts/setup-docker` in a "
    "redfix checkout; or pass --sandbox local to run without isolation"
)

@dataclass(frozen=True)
class DockerLimits:
    memory: str = "2g"
    cpus: float = 2.0
    pids: int = 256
    tmp_size: str = "512m"
    max_output_bytes: int = 1 << 20  # kept in RunOutcome.output (head and tail)
    kill_output_bytes: int = 64 << 20  # past this the run is stopped: Termination.OUTPUT


@dataclass(frozen=True)
class RunRecord:
    """What one `run` did, so callers and tests can tell a cache hit from a build."""

    run_id: str
    image: str
    dependency_image_built: bool
    setup_seconds: float
    test_seconds: float
    termination: Termination


def connect(base_url: str | None = None, *, timeout_s: float = 60.0) -> Any:
    """A Docker client that has answered a ping, or SandboxUnavailable saying what to do."""
    where = base_url or os.environ.get("DOCKER_HOST") or "the default socket"
    socket_path = where.removeprefix("unix://") if where.startswith("unix://") else None
    if socket_path is not None and not Path(socket_path).exists():
        # Checked here: docker-py leaks its socket when the path is missing.
        raise SandboxUnavailable(f"Docker is not reachable: no socket at {socket_path}: "
                                 f"{HOW_TO_START}")
    client = None
    try:
        if base_url is None:
            client = docker.from_env(timeout=int(timeout_s))
        else:
            client = docker.DockerClient(base_url=base_url, timeout=int(timeout_s))
        client.ping()
    except (DockerException, OSError) as exc:  # requests' errors are OSErrors
        if client is not None:
            client.close()
        raise SandboxUnavailable(
            f"Docker is not reachable at {where} ({exc}): {HOW_TO_START}"
        ) from exc
    return client


class DockerRunner:
    kind = "docker"

    def __init__(
        self,
        *,
        image: str = "python:3.11-slim",
        base_url: str | None = None,
        ca_bundle: Path | None = None,
        limits: DockerLimits = DockerLimits(),
        setup_timeout_s: float = 900.0,
        pip_environment: Mapping[str, str] | None = None,
    ) -> None:
        self.image = image
        self.base_url = base_url
        self.ca_bundle = resolve_ca_bundle(ca_bundle)
        self.limits = limits
        self.setup_timeout_s = setup_timeout_s
        if pip_environment is None:
            pip_environment = host_pip_environment(os.environ)
        self.pip_environment = dict(pip_environment)
        self.history: list[RunRecord] = []
        self._client: Any = None
        self._daemon_cpus: float | None = None
        self._cut_off: set[str] = set()  # runs that lost the daemon: their containers may run on

    @property
    def last_run(self) -> RunRecord | None:
        return self.history[-1] if self.history else None

    def client(self) -> Any:
        if self._client is None:
            self._client = connect(self.base_url)
        return self._client

    def close(self) -> None:
        """Close the connection to the daemon (a later run opens a new one)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def ping(self) -> None:
        """Raise SandboxUnavailable (with what to do) unless the daemon answers."""
        try:
            self.client().ping()
        except (DockerException, OSError) as exc:
            self.close()
            raise SandboxUnavailable(f"Docker stopped answering ({exc}): {HOW_TO_START}") from exc

    def sweep_leftovers(self) -> int:
        """Remove containers and volumes that crashed redfix runs left; how many there were."""
        return sweep(self.client())

    def run(self, spec: RunSpec) -> RunOutcome:
        client = self.client()
        self._remove_cut_off_runs(client)
        run_id = uuid.uuid4().hex[:12]
        with tempfile.TemporaryDirectory(prefix="redfix-docker-") as scratch:
            workdir = Path(scratch) / "repo"
            copy_repository(spec.source, workdir)
            write_overlay(workdir, spec.overlay)
            try:
                deps = self._images(client).ensure(
                    workdir, setup=spec.setup, dependency_files=spec.dependency_files, run_id=run_id
                )
                end, report = self._run_tests(
                    client, deps.tag, workdir=workdir, spec=spec, run_id=run_id
                )
            except (DockerException, OSError) as exc:
                if not isinstance(exc, APIError):  # the daemon may still run what we made
                    self._cut_off.add(run_id)
                raise _translated(exc) from exc
        self.history.append(
            RunRecord(run_id, deps.tag, deps.built, deps.seconds, end.seconds, end.termination)
        )
        return RunOutcome(
            exit_code=end.exit_code,
            output=end.output,
            report_xml=report,
            seconds=end.seconds,
            sandbox=self.kind,
            termination=end.termination,
        )

    def _remove_cut_off_runs(self, client: Any) -> None:
        """Stop and remove what runs cut off from the daemon left (a test that loops
        forever would otherwise run on while this process lives)."""
        for run_id in sorted(self._cut_off):
            try:
                remove_run(client, run_id)
            except (DockerException, OSError) as exc:
                raise _translated(exc) from exc
            self._cut_off.discard(run_id)

    def _images(self, client: Any) -> DependencyImages:
        return DependencyImages(
            client,
            base_image=self.image,
            ca_bundle=self.ca_bundle,
            pip_environment=self.pip_environment,
            timeout_s=self.setup_timeout_s,
            memory=self.limits.memory,
            pids=self.limits.pids,
        )

    def _run_tests(
        self, client: Any, image: str, *, workdir: Path, spec: RunSpec, run_id: str
    ) -> tuple[ContainerEnd, bytes | None]:
        labels = managed_labels(run_id, role="test")
        volume = client.volumes.create(name=f"redfix-{run_id}", labels=labels)
        container = None
        try:
            container = client.containers.create(
                **self._container_options(image, spec=spec, volume=volume.name, labels=labels)
            )
            with workspace_archive(workdir, top="repo", extra_dirs=("out",)) as archive:
                container.put_archive(WORK_DIR, archive)
            end = run_to_end(container, limits=WatchLimits(
                timeout_s=spec.timeout_s,
                pids=self.limits.pids,
                max_output_bytes=self.limits.max_output_bytes,
                kill_output_bytes=self.limits.kill_output_bytes,
            ))
            return end, read_file_from(container, REPORT_PATH)
        finally:
            if container is not None:
                remove_quietly(container)
            remove_quietly(volume)

    def _container_options(
        self, image: str, *, spec: RunSpec, volume: str, labels: Mapping[str, str]
    ) -> dict[str, Any]:
        environment = {"HOME": TMP_DIR, "TMPDIR": TMP_DIR, "PYTHONDONTWRITEBYTECODE": "1",
                       "PYTHONHASHSEED": "0", **spec.env}
        return {
            "image": image,
            "command": [part.replace("{report}", REPORT_PATH) for part in spec.argv],
            "user": f"{SANDBOX_UID}:{SANDBOX_UID}",
            "working_dir": REPO_DIR,
            "environment": environment,
            "network_mode": "none",
            "read_only": True,
            "tmpfs": {TMP_DIR: f"rw,nosuid,nodev,size={self.limits.tmp_size}"},
            "mounts": [Mount(WORK_DIR, volume, type="volume", no_copy=True)],
            "mem_limit": self.limits.memory,
            "memswap_limit": self.limits.memory,  # no swap: a hog meets the OOM killer
            "nano_cpus": int(self._cpus() * 1e9),
            "pids_limit": self.limits.pids,
            "security_opt": ["no-new-privileges"],
            "cap_drop": ["ALL"],
            "labels": dict(labels),
            "log_config": LOG_CONFIG,
        }

    def _cpus(self) -> float:
        """The CPU limit, no more than the daemon's machine has (Docker refuses more)."""
        if self._daemon_cpus is None:
            self._daemon_cpus = float(self.client().info().get("NCPU") or self.limits.cpus)
        return min(self.limits.cpus, self._daemon_cpus)


def _translated(exc: Exception) -> SandboxError:
    if isinstance(exc, APIError):
        return SandboxError(f"Docker refused a step of the sandbox run: {exc}")
    if isinstance(exc, (DockerException, RequestException)):
        return SandboxUnavailable(f"lost the connection to Docker ({exc}): {HOW_TO_START}")
    return SandboxError(f"could not prepare the sandbox's copy of the repository: {exc}")
