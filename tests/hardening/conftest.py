"""Fixtures for the hardening tests: the GitHub simulator and the bookshop, shared with the
service and end-to-end tests, plus a tiny tmpfs for "disk full"."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.github.auth import InstallationTokens, credentials_from_env, retry_policy
from connectors.github.gateway import PyGithubGateway
from tests.app.conftest import (  # noqa: F401
    INSTALLATION,
    bookshop_report,
    octokit,
    red_repo,
    service_factory,
    simulator,
)
from tests.e2e.conftest import bookshop, scripted_model  # noqa: F401


@pytest.fixture
def gateway(red_repo, simulator) -> PyGithubGateway:  # noqa: F811
    tokens = InstallationTokens(credentials_from_env(simulator.app_env()))
    return PyGithubGateway.for_installation(tokens, INSTALLATION, retry=retry_policy(backoff_s=0.1))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (we run as root, as CI does): a disk that really fills up."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write zeros until the disk is full; return the file to delete to free it."""
    ballast = disk / "ballast"
    with ballast.open("wb", buffering=0) as sink:
        try:
            while True:
                sink.write(b"\0" * 4096)
        except OSError:
            pass
    return ballast
