"""The App as docker-compose runs it: `redfix serve` and `redfix worker` from the built image.

Both containers use the host's network (the engine here has no bridge), so they reach the
GitHub simulator, the scripted model and Redis on loopback; the worker validates in sandbox
containers through the host's Docker socket, as the compose file mounts it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.app.redis_store import RedisStore
from tests.app.conftest import ROOT, SECRET, service_env, wait_for
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE
from tests.github_simulator.payloads import signed, workflow_run_failure

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PASSED_ON = ("REDFIX_APP_ID", "REDFIX_PRIVATE_KEY", "REDFIX_GITHUB_API_URL",
             "REDFIX_WEBHOOK_SECRET", "REDFIX_CONNECTOR", "REDFIX_BASE_URL", "REDFIX_MODEL",
             "REDFIX_REDIS_URL", "REDFIX_JOB_LEASE_S", "REDFIX_RETRY_DELAY_S")


@pytest.fixture(scope="module")
def image() -> str:
    done = subprocess.run([str(ROOT / "scripts" / "build-image")], capture_output=True,
                          text=True, timeout=1800, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout.strip().splitlines()[-1]


class Containers:
    """Containers started by a test, removed (with their logs kept) when it ends."""

    def __init__(self, log: Path) -> None:
        self.log, self.names = log, []

    def run(self, image: str, env: dict[str, str], *command: str,
            options: tuple[str, ...] = ()) -> str:
        name = f"redfix-test-{uuid.uuid4().hex[:10]}"
        flags = [flag for key, value in env.items() for flag in ("-e", f"{key}={value}")]
        subprocess.run(["docker", "run", "-d", "--name", name, "--network", "host", *flags,
                        *options, image, *command], check=True, capture_output=True)
        self.names.append(name)
        return name

    def logs(self) -> str:
        shown = [subprocess.run(["docker", "logs", name], capture_output=True, text=True)
                 for name in self.names]
        return "\n".join(done.stdout + done.stderr for done in shown)

    def remove(self) -> None:
        self.log.write_text(self.logs())
        for name in self.names:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)


@pytest.fixture
def containers(tmp_path: Path) -> Iterator[Containers]:
    started = Containers(tmp_path / "containers.log")
    yield started
    started.remove()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_and_worker_from_the_image_turn_a_webhook_into_a_pull_request(
    tmp_path, image, octokit, simulator, red_repo, scripted_model, redis_url, containers
):
    repo, report = red_repo
    world = simulator.world
    run = world.add_run(repo, head_branch="main", reports={"junit.xml": report})
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    env = service_env(tmp_path, simulator, scripted_model, REDFIX_REDIS_URL=redis_url)
    shared = {key: env[key] for key in PASSED_ON}
    port = free_port()
    socket_gid = str(os.stat("/var/run/docker.sock").st_gid)
    containers.run(image, {**shared, "REDFIX_SANDBOX": "docker"},
                   "redfix", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker")
    containers.run(image, {**shared, "REDFIX_SANDBOX": "docker"}, "redfix", "worker",
                   options=("-v", "/var/run/docker.sock:/var/run/docker.sock",
                            "--group-add", socket_gid))
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _healthy(url), timeout=120, what="redfix serve in the image")

    body, headers = signed("workflow_run", workflow_run_failure(world, repo, run), SECRET)
    answer = httpx.post(f"{url}/webhook", content=body, headers=headers, timeout=10)
    assert answer.status_code == 202 and answer.json()["status"] == "queued", answer.text

    store = RedisStore(redis_url)
    try:
        wait_for(lambda: store.counts()["jobs_done"] == 1, timeout=900,
                 what=f"the worker container to finish the job\n{containers.logs()[-4000:]}")
    finally:
        store.close()
    assert len(repo.pulls) == 1, containers.logs()[-4000:]
    assert repo.check_runs[-1].conclusion == "success"
    (pull,) = repo.pulls.values()
    pushed = subprocess.run(["git", "-C", str(repo.bare), "diff", pull.base_sha, pull.head_sha],
                            capture_output=True, text=True, check=True).stdout
    assert "+    start = (page - 1) * per_page" in pushed


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
