"""Fixtures for the service tests: the GitHub simulator, a red repository, the service process."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.github.auth import InstallationTokens, credentials_from_env, retry_policy
from connectors.github.gateway import PyGithubGateway
from tests.e2e.conftest import EXAMPLE, MODEL, ScriptedModel, scripted_model  # noqa: F401
from tests.github_simulator import GitHubSimulator, SimRepo
from tests.github_simulator.payloads import octokit_dir
from tests.host_pytest import HOST_PYTEST, HOST_PYTEST_CMD

ROOT = Path(__file__).resolve().parents[2]
SECRET = "simulated-webhook-secret"
INSTALLATION = 31337
REPO = "octo-org/bookshop"
REDFIX_CONFIG = (
    "reports: ['*.xml']\nreruns: 2\nmax_attempts: 1\ncandidates: 1\nregression_test: false\n"
)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.name=dev", "-c",
                           "user.email=dev@example.com", *args],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="session")
def octokit() -> Path:
    return octokit_dir()


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[GitHubSimulator]:
    with GitHubSimulator(tmp_path / "github") as sim:
        yield sim


def junit_report(work: Path, out: Path) -> bytes:
    """A JUnit report of a real failing run of the work tree's tests."""
    subprocess.run([*HOST_PYTEST, "-q", "-p", "no:cacheprovider",
                    f"--junitxml={out}"], cwd=work, capture_output=True, check=False)
    return out.read_bytes()


def bookshop_tree(work: Path) -> Path:
    """examples/bookshop as a git work tree on `main`, with .github/redfix.yml."""
    shutil.copytree(EXAMPLE, work)
    (work / ".github").mkdir()
    (work / ".github" / "redfix.yml").write_text(REDFIX_CONFIG)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "bookshop with a paging bug")
    return work


@pytest.fixture(scope="session")
def bookshop_report(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The JUnit report of a real failing run of the bookshop's tests (run once)."""
    folder = tmp_path_factory.mktemp("report")
    return junit_report(bookshop_tree(folder / "work"), folder / "junit.xml")


@pytest.fixture
def red_repo(tmp_path: Path, simulator: GitHubSimulator,
             bookshop_report: bytes) -> tuple[SimRepo, bytes]:
    """The bookshop hosted by the simulator, and the JUnit report of its failing run."""
    work = bookshop_tree(tmp_path / "work")
    repo = simulator.world.add_repository(REPO, work, installation_id=INSTALLATION)
    return repo, bookshop_report


def service_env(tmp_path: Path, simulator: GitHubSimulator, model: ScriptedModel,
                **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDFIX_")}
    env.update(simulator.app_env())
    env.update(
        REDFIX_WEBHOOK_SECRET=SECRET,
        REDFIX_DATA_DIR=str(tmp_path / "data"),
        REDFIX_CONNECTOR="openai",
        REDFIX_BASE_URL=model.base_url,
        REDFIX_MODEL=MODEL,
        REDFIX_SANDBOX="local",
        REDFIX_TEST_CMD=HOST_PYTEST_CMD,
        REDFIX_JOB_LEASE_S="3",
        REDFIX_RETRY_DELAY_S="1",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


class ServiceProcess:
    """`python -m bot.app serve` as a real process on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path, *, worker: bool = True) -> None:
        self.env = env
        self.log = log
        self.worker = worker
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> ServiceProcess:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.app", "serve", "--host", "127.0.0.1",
                 "--port", str(port), *([] if self.worker else ["--no-worker"])],
                cwd=ROOT, env=self.env, stdout=sink, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the service did not start:\n" + self.log.read_text()[-3000:])

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{self.url}/webhook", content=body, headers=headers, timeout=10)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def service_factory(tmp_path: Path) -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        service.stop()


def wait_for(predicate: object, *, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A private redis-server on a free loopback port (Debian package redis-server)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(port), timeout=10, what="redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def tokens(simulator) -> InstallationTokens:
    return InstallationTokens(credentials_from_env(simulator.app_env()))


@pytest.fixture
def gateway(red_repo, tokens) -> PyGithubGateway:
    return PyGithubGateway.for_installation(tokens, INSTALLATION,
                                            retry=retry_policy(backoff_s=0.1))
