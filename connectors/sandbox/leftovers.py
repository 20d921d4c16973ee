"""Finding what crashed redfix runs left in Docker: labelled containers and volumes.

A container or volume is a leftover when the redfix process that made it (its
owner label: host and pid) is gone from this host. Ones made elsewhere (another
machine sharing the daemon, or a redfix service container since restarted) are
judged by age only: stopped for longer than any run takes to clean up, or
running for longer than any run may last. Cached dependency images are never
touched: they carry no managed label.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from typing import Any

from connectors.sandbox.containers import (
    MANAGED_FILTER,
    OWNER_LABEL,
    RUN_LABEL,
    remove_quietly,
)

STOPPED_FOR_S = 10 * 60  # a live run removes its stopped container within seconds
RUNNING_FOR_S = 24 * 3600  # longer than any sane test or set-up timeout


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, run by another user
        return True
    return True


def _age_s(created: str | None) -> float:
    """Seconds since a Docker timestamp such as 2026-01-02T03:04:05.123456789Z."""
    if not created:
        return 0.0
    try:
        moment = datetime.fromisoformat(created[:19]).replace(tzinfo=UTC)
    except ValueError:
        return 0.0
    return (datetime.now(UTC) - moment).total_seconds()


def is_leftover(owner: str | None, *, running: bool, age_s: float) -> bool:
    host, _, pid = (owner or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not _process_exists(int(pid))
    return age_s > (RUNNING_FOR_S if running else STOPPED_FOR_S)


def sweep(client: Any) -> int:
    """Remove leftover containers, then leftover volumes; the number removed."""
    removed = 0
    for container in client.containers.list(all=True, filters={"label": MANAGED_FILTER}):
        running = container.status in ("running", "restarting", "paused")
        age = _age_s(container.attrs.get("Created"))
        if is_leftover(container.labels.get(OWNER_LABEL), running=running, age_s=age):
            remove_quietly(container)
            removed += 1
    for volume in client.volumes.list(filters={"label": MANAGED_FILTER}):
        labels = volume.attrs.get("Labels") or {}
        age = _age_s(volume.attrs.get("CreatedAt"))
        if is_leftover(labels.get(OWNER_LABEL), running=False, age_s=age):
            remove_quietly(volume)
            removed += 1
    return removed


def remove_run(client: Any, run_id: str) -> int:
    """Remove what one run made (its container may still be running): how many there were.

    For a run cut off from the daemon mid-way: its process lives on, so `sweep` spares it.
    """
    label = {"label": f"{RUN_LABEL}={run_id}"}
    made = [*client.containers.list(all=True, filters=label), *client.volumes.list(filters=label)]
    for resource in made:
        remove_quietly(resource)
    return len(made)
