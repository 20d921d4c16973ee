"""Running one Docker container to its end: output, wall clock, pids limit, cleanup.

Shared by the test runs (connectors.sandbox.docker) and the dependency set-up
(connectors.sandbox.images). Every container and volume redfix creates carries
MANAGED_LABEL so that a crashed run's leftovers can be found and removed.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from docker.errors import APIError, NotFound

from bot.core.results import Termination

MANAGED_LABEL = "io.redfix.managed"
MANAGED_FILTER = f"{MANAGED_LABEL}=1"
RUN_LABEL = "io.redfix.run"
OWNER_LABEL = "io.redfix.owner"
SANDBOX_UID = 1000
POLL_S = 0.2
# Docker's json-file log is a by-product (we read output from the attach stream): keep it small.
LOG_CONFIG = {"type": "json-file", "config": {"max-size": "1m", "max-file": "1"}}
_CGROUP_PIDS_EVENTS = (
    "/sys/fs/cgroup/pids/docker/{id}/pids.events",  # cgroup v1, cgroupfs driver
    "/sys/fs/cgroup/pids/system.slice/docker-{id}.scope/pids.events",  # v1, systemd
    "/sys/fs/cgroup/docker/{id}/pids.events",  # v2, cgroupfs
    "/sys/fs/cgroup/system.slice/docker-{id}.scope/pids.events",  # v2, systemd
)

log = logging.getLogger(__name__)


ROLE_LABEL = "io.redfix.role"


def managed_labels(run_id: str, *, role: str) -> dict[str, str]:
    """Labels for a container or volume of one run; the owner lets a sweep spare live runs."""
    return {
        MANAGED_LABEL: "1",
        RUN_LABEL: run_id,
        OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}",
        ROLE_LABEL: role,
    }


class CappedOutput:
    """Keeps the head and the tail of a stream (the tail holds the runner's summary)."""

    def __init__(self, limit: int) -> None:
        self.half = max(limit // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.half:  # trim rarely, not on every chunk
                del self.tail[: len(self.tail) - self.half]

    def text(self) -> str:
        tail = bytes(self.tail[-self.half :])
        skipped = self.total - len(self.head) - len(tail)
        text = self.head.decode("utf-8", errors="replace")
        if skipped:
            text += f"\n[... {skipped} bytes of output omitted ...]\n"
        return text + tail.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class ContainerEnd:
    exit_code: int | None
    termination: Termination
    output: str
    seconds: float


@dataclass(frozen=True)
class WatchLimits:
    timeout_s: float
    pids: int
    max_output_bytes: int
    kill_output_bytes: int


class PidsProbe:
    """Tells whether a running container has hit its pids limit.

    The kernel counts every fork refused by the limit in the container's cgroup
    (`pids.events`, field `max`): when the daemon is local we read that counter,
    which catches even a short burst. Otherwise (a remote daemon) we fall back
    to Docker's stats: the current number of tasks at the limit.
    """

    def __init__(self, container: Any, *, limit: int) -> None:
        self.container = container
        self.limit = limit
        self.events_path = next(
            (
                Path(pattern.format(id=container.id))
                for pattern in _CGROUP_PIDS_EVENTS
                if Path(pattern.format(id=container.id)).is_file()
            ),
            None,
        )

    def limit_hit(self) -> bool:
        if self.events_path is not None:
            return self._refused_forks() > 0
        try:
            stats = self.container.stats(stream=False, one_shot=True)
        except APIError:
            return False
        current = stats.get("pids_stats", {}).get("current", 0)
        return bool(current) and current >= self.limit

    def _refused_forks(self) -> int:
        try:
            text = self.events_path.read_text() if self.events_path else ""
        except OSError:  # the container ended and its cgroup is gone
            return 0
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if name == "max" and value.strip().isdigit():
                return int(value)
        return 0


def _read_stream(stream: Iterable[bytes], output: CappedOutput) -> None:
    try:
        for chunk in stream:
            output.feed(chunk)
    except Exception:  # the connection drops when the container is killed
        log.debug("attach stream closed", exc_info=True)


def run_to_end(container: Any, *, limits: WatchLimits) -> ContainerEnd:
    """Start a created container and wait until it exits or a limit stops it."""
    output = CappedOutput(limits.max_output_bytes)
    stream = container.attach(stdout=True, stderr=True, stream=True, logs=False)
    reader = threading.Thread(target=_read_stream, args=(stream, output), daemon=True)
    reader.start()
    started = time.monotonic()
    try:
        container.start()
        stopped_by = _watch(container, reader=reader, output=output, limits=limits, started=started)
        if stopped_by is not None:
            _kill(container)
        exit_code = int(container.wait(timeout=60)["StatusCode"])
        reader.join(timeout=5)
    finally:
        _close_stream(stream)
    seconds = time.monotonic() - started
    container.reload()
    if container.attrs["State"].get("OOMKilled"):
        return ContainerEnd(exit_code, Termination.MEMORY, output.text(), seconds)
    if stopped_by is not None:
        return ContainerEnd(None, stopped_by, output.text(), seconds)
    return ContainerEnd(exit_code, Termination.EXITED, output.text(), seconds)


def _close_stream(stream: Any) -> None:
    """Close the attach stream and its connection (docker-py leaves a finished one open)."""
    stream.close()
    response = getattr(stream, "_response", None)
    if response is not None:
        response.close()


def _watch(
    container: Any,
    *,
    reader: threading.Thread,
    output: CappedOutput,
    limits: WatchLimits,
    started: float,
) -> Termination | None:
    """Poll until the container exits or a limit is crossed (then say which)."""
    deadline = started + limits.timeout_s
    probe = PidsProbe(container, limit=limits.pids)
    while True:
        if reader.is_alive():
            reader.join(timeout=POLL_S)  # returns at once when the container exits
        elif _has_exited(container):
            return None
        else:  # it closed its output but runs on
            time.sleep(POLL_S)
        if time.monotonic() >= deadline:
            return Termination.TIMEOUT
        if output.total > limits.kill_output_bytes:
            return Termination.OUTPUT
        if probe.limit_hit():
            return Termination.PIDS


def _has_exited(container: Any) -> bool:
    container.reload()
    return container.status in ("exited", "dead")


def _kill(container: Any) -> None:
    try:
        container.kill()
    except APIError:  # it exited on its own meanwhile
        log.debug("kill of %s failed", container.id, exc_info=True)


def remove_quietly(resource: Any) -> None:
    """Remove a container or volume; cleanup must never mask the run's own error."""
    try:
        resource.remove(force=True)
    except NotFound:
        pass
    except APIError as exc:
        log.warning("could not remove Docker %s %s: %s", type(resource).__name__, resource.id, exc)


def _entries(workdir: Path, top: str) -> Iterator[tuple[Path, str]]:
    for directory, subdirs, files in os.walk(workdir):
        subdirs.sort()
        here = Path(directory)
        for name in [*subdirs, *sorted(files)]:
            path = here / name
            yield path, f"{top}/{path.relative_to(workdir).as_posix()}"


def _owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = SANDBOX_UID
    info.uname = info.gname = ""
    return info


def _directory(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    return _owned(info)


def workspace_archive(workdir: Path, *, top: str, extra_dirs: Iterable[str] = ()) -> IO[bytes]:
    """A tar of `workdir` under `top/`, owned by the sandbox user, rewound for reading."""
    archive: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=64 << 20)  # noqa: SIM115
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for name in (*_parents(top), *extra_dirs):
            tar.addfile(_directory(name))
        for path, name in _entries(workdir, top):
            tar.add(path, arcname=name, recursive=False, filter=_owned)
    archive.seek(0)
    return archive


def file_archive(
    files: Mapping[str, bytes], *, directories: Iterable[str] = (), mode: int = 0o644
) -> bytes:
    """A tar of a few in-memory files (and their directories), owned by the sandbox user."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in directories:
            tar.addfile(_directory(name))
        for name, data in files.items():
            info = _owned(tarfile.TarInfo(name))
            info.size = len(data)
            info.mode = mode
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _parents(top: str) -> list[str]:
    parts = [part for part in top.split("/") if part]
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


def read_file_from(container: Any, path: str) -> bytes | None:
    """The content of one regular file in a (stopped) container, or None if it is absent."""
    try:
        chunks, _stat = container.get_archive(path)
    except NotFound:
        return None
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
        member = next((m for m in tar.getmembers() if m.isfile()), None)
        extracted = tar.extractfile(member) if member is not None else None
        return extracted.read() if extracted is not None else None
