"""Choose and build the SandboxRunner the user asked for (or the best one that works here)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bot.core.config import Settings
from bot.core.errors import ConfigError, SandboxUnavailable
from bot.core.ports import SandboxRunner

SANDBOX_KINDS = ("docker", "local", "auto")
PING_TIMEOUT_S = 3.0

log = logging.getLogger(__name__)


def docker_status(*, image: str | None = None, base_url: str | None = None) -> tuple[bool, str]:
    """Whether the Docker daemon answers (and `image`, if given, is present), and a sentence."""
    from connectors.sandbox.docker import connect

    try:
        client = connect(base_url, timeout_s=PING_TIMEOUT_S)
    except SandboxUnavailable as exc:
        return False, str(exc)
    try:
        version = client.version()
        detail = (f"Docker Engine {version.get('Version', '?')} answers "
                  f"(API {version.get('ApiVersion', '?')})")
        if image is not None and not _has_image(client, image):
            return False, (f"{detail}, but the image {image} is missing: build it with "
                           "`scripts/setup-docker` in a redfix checkout, or `docker pull` it")
        return True, detail + (f"; image {image} present" if image else "")
    finally:
        client.close()


def _has_image(client: Any, image: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(image)
    except ImageNotFound:
        return False
    return True


def build_runner(
    kind: str,
    *,
    image: str = "python:3.11-slim",
    ca_bundle: Path | None = None,
    memory: str = "2g",
    cpus: float = 2.0,
    pids: int = 256,
    setup_timeout_s: float = 900.0,
    base_url: str | None = None,
) -> SandboxRunner:
    """The runner for `kind`: "docker", "local", or "auto" (Docker when it answers, else local).

    "docker" with the daemon down raises SandboxUnavailable (exit code 3) saying how
    to start it. A Docker runner first removes what crashed runs left behind.
    """
    chosen = kind.strip().lower()
    if chosen not in SANDBOX_KINDS:
        raise ConfigError(f"sandbox {kind!r}: choose one of {', '.join(SANDBOX_KINDS)}")
    if chosen == "auto":
        up, detail = docker_status(base_url=base_url)
        if not up:
            log.warning("Docker is not available (%s); running tests in the local sandbox", detail)
        chosen = "docker" if up else "local"
    if chosen == "local":
        from connectors.sandbox.local import LocalRunner

        return LocalRunner()
    from connectors.sandbox.docker import DockerLimits

    limits = DockerLimits(memory=memory, cpus=cpus, pids=pids)
    return _ready_docker_runner(image=image, base_url=base_url, ca_bundle=ca_bundle,
                                limits=limits, setup_timeout_s=setup_timeout_s)


def runner_for(settings: Settings) -> SandboxRunner:
    """The sandbox the settings ask for, with their image and limits."""
    return build_runner(
        settings.sandbox,
        image=settings.image,
        ca_bundle=Path(settings.ca_bundle) if settings.ca_bundle else None,
        memory=settings.memory,
        cpus=settings.cpus,
        pids=settings.pids,
        setup_timeout_s=settings.setup_timeout_s,
    )


def _ready_docker_runner(**options: Any) -> SandboxRunner:
    """A DockerRunner whose daemon answers, after removing what crashed runs left behind."""
    from connectors.sandbox.docker import DockerRunner

    runner = DockerRunner(**options)
    runner.ping()
    swept = runner.sweep_leftovers()
    if swept:
        log.info("removed %d container(s)/volume(s) left by earlier redfix runs", swept)
    return runner
