"""What the Docker sandbox keeps away from the host: network, files, runaway processes.

Each test runs real code in a real container; the engine must be up (scripts/setup-docker).
"""

from __future__ import annotations

import array
import fcntl
import hashlib
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docker.errors import ImageNotFound

from bot.core.errors import SandboxUnavailable
from bot.core.results import RunOutcome, RunSpec, Termination
from connectors.sandbox.containers import MANAGED_LABEL, OWNER_LABEL, RUN_LABEL
from connectors.sandbox.docker import DockerLimits, DockerRunner, connect

pytestmark = pytest.mark.docker

BASE_IMAGE = "python:3.11-slim"
PYTEST = ("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml={report}")
SMALL = DockerLimits(memory="256m", cpus=1.0, pids=64)
SETUP_HINT = "run `sudo scripts/setup-docker` first (CI does): it installs and starts Docker"


@pytest.fixture(scope="module")
def docker_client() -> Iterator[Any]:
    try:
        client = connect()
    except SandboxUnavailable as exc:
        pytest.fail(f"the Docker engine is not reachable ({exc}); {SETUP_HINT}")
    try:
        client.images.get(BASE_IMAGE)
    except ImageNotFound:
        client.close()
        pytest.fail(f"the base image {BASE_IMAGE} is missing; {SETUP_HINT} and builds it")
    yield client
    client.close()


@pytest.fixture(scope="module")
def runner(docker_client: Any) -> Iterator[DockerRunner]:
    sandbox = DockerRunner(image=BASE_IMAGE, limits=SMALL)
    yield sandbox
    sandbox.close()


def make_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def assert_nothing_left(client: Any, run_id: str) -> None:
    label = f"{RUN_LABEL}={run_id}"
    assert client.containers.list(all=True, filters={"label": label}) == []
    assert client.volumes.list(filters={"label": label}) == []


def run_test_file(
    runner: DockerRunner, root: Path, test_code: str, *, timeout_s: float = 60
) -> RunOutcome:
    source = make_repo(root, {"tests/test_sandbox.py": test_code})
    return runner.run(RunSpec(source=source, argv=PYTEST, timeout_s=timeout_s))


def host_addresses() -> list[str]:
    """127.0.0.1 and this host's IPv4 addresses on its other interfaces."""
    found = ["127.0.0.1"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _index, name in socket.if_nameindex():
            if name == "lo":
                continue
            request = array.array("B", struct.pack("256s", name.encode()[:15]))
            try:
                fcntl.ioctl(probe.fileno(), 0x8915, request)  # SIOCGIFADDR
            except OSError:  # no IPv4 address on this interface
                continue
            found.append(socket.inet_ntoa(request.tobytes()[20:24]))
    return found


class CountingServer:
    """A TCP server on the host counting the connections it accepts."""

    def __init__(self, address: str) -> None:
        self.sock = socket.create_server((address, 0))
        self.sock.settimeout(0.2)
        self.address, self.port = address, self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            conn.close()

    def wait_for(self, *, accepted: int) -> bool:
        for _ in range(50):
            if self.accepted >= accepted:
                return True
            self.stop.wait(0.1)
        return False

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def host_servers() -> Iterator[list[CountingServer]]:
    servers = [CountingServer(address) for address in host_addresses()]
    yield servers
    for server in servers:
        server.close()


def test_no_network_reaches_the_host(runner, docker_client, host_servers, tmp_path):
    for server in host_servers:  # the servers do answer on the host itself
        socket.create_connection((server.address, server.port), timeout=2).close()
        assert server.wait_for(accepted=1)
    targets = [(server.address, server.port) for server in host_servers]
    test_code = (
        "import socket\nimport pytest\n\n"
        f"@pytest.mark.parametrize('target', {targets!r})\n"
        "def test_connect(target):\n"
        "    socket.create_connection(target, timeout=3).close()\n"
    )
    outcome = run_test_file(runner, tmp_path / "repo", test_code)
    assert outcome.termination is Termination.EXITED
    assert f"{len(targets)} failed" in outcome.output, outcome.output
    assert "Network is unreachable" in outcome.output
    assert [server.accepted for server in host_servers] == [1] * len(host_servers)
    assert_nothing_left(docker_client, runner.last_run.run_id)


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def test_writes_outside_the_work_dir_cannot_change_the_host(runner, tmp_path):
    source = tmp_path / "repo"
    system_targets = ["/etc/redfix-escape", "/redfix-escape"]
    host_targets = [str(source / "escape.txt"), str(tmp_path / "escape.txt")]
    test_code = (
        "import os\nimport pathlib\nimport pytest\n\n"
        "def test_not_root():\n    assert os.getuid() != 0\n\n"
        f"@pytest.mark.parametrize('target', {system_targets!r})\n"
        "def test_write_system(target):\n"
        "    pathlib.Path(target).write_text('escaped')\n\n"
        "def test_write_host_paths():\n"
        f"    for target in {host_targets!r}:\n"
        "        try:\n"
        "            pathlib.Path(target).parent.mkdir(parents=True, exist_ok=True)\n"
        "            pathlib.Path(target).write_text('escaped')\n"
        "        except OSError:\n"
        "            pass\n\n"
        "def test_change_own_copy():\n"
        "    pathlib.Path('tests/test_sandbox.py').write_text('# rewritten')\n"
        "    pathlib.Path('created.txt').write_text('new')\n"
        "    os.remove('keep.txt')\n"
    )
    make_repo(source, {"keep.txt": "keep me\n", "tests/test_sandbox.py": test_code})
    before = snapshot(source)
    outcome = runner.run(RunSpec(source=source, argv=PYTEST, timeout_s=60))
    assert "2 failed, 3 passed" in outcome.output, outcome.output
    assert "Read-only file system" in outcome.output
    for target in (*system_targets, *host_targets):
        assert not Path(target).exists(), target
    assert snapshot(source) == before, "the host's source tree is unchanged"


def test_fork_bomb_is_stopped_by_the_pids_limit(runner, docker_client, tmp_path):
    test_code = (
        "import os, time\n\n"
        "def test_bomb():\n"
        "    while True:\n"
        "        try:\n"
        "            os.fork()\n"
        "        except OSError:\n"
        "            time.sleep(0.01)\n"
    )
    outcome = run_test_file(runner, tmp_path / "repo", test_code, timeout_s=60)
    assert outcome.termination is Termination.PIDS
    assert outcome.seconds < 30, "stopped when the limit was hit, not by the timeout"
    assert_nothing_left(docker_client, runner.last_run.run_id)


def test_memory_hog_is_stopped_by_the_memory_limit(runner, docker_client, tmp_path):
    test_code = (
        "def test_hog():\n"
        "    chunks = []\n"
        "    while True:\n"
        "        chunks.append(bytearray(16 << 20))\n"
    )
    outcome = run_test_file(runner, tmp_path / "repo", test_code)
    assert outcome.termination is Termination.MEMORY
    assert outcome.exit_code == 137
    assert_nothing_left(docker_client, runner.last_run.run_id)


def test_infinite_loop_is_stopped_by_the_timeout(runner, docker_client, tmp_path):
    test_code = "def test_spin():\n    while True:\n        pass\n"
    outcome = run_test_file(runner, tmp_path / "repo", test_code, timeout_s=3)
    assert outcome.termination is Termination.TIMEOUT
    assert outcome.exit_code is None
    assert 3 <= outcome.seconds < 15
    assert outcome.report_xml is None
    assert_nothing_left(docker_client, runner.last_run.run_id)


def test_timeout_holds_for_a_process_that_closed_its_output(runner, docker_client, tmp_path):
    code = "import os, time\nos.close(1)\nos.close(2)\ntime.sleep(60)\n"
    source = make_repo(tmp_path / "repo", {"quiet.py": code})
    outcome = runner.run(RunSpec(source=source, argv=("python", "quiet.py"), timeout_s=3))
    assert outcome.termination is Termination.TIMEOUT
    assert outcome.seconds < 15
    assert_nothing_left(docker_client, runner.last_run.run_id)


INTERRUPTED_RUN = """
import os, signal, sys, threading
from pathlib import Path
from bot.core.results import RunSpec
from connectors.sandbox.docker import DockerLimits, DockerRunner
runner = DockerRunner(image=sys.argv[2], limits=DockerLimits(memory="256m", cpus=1.0, pids=64))
# A shell starts background jobs with SIGINT ignored, and Python keeps that: restore
# Ctrl-C as an interactive redfix has it.
signal.signal(signal.SIGINT, signal.default_int_handler)
print(os.getpid(), flush=True)
threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGINT)).start()
try:
    runner.run(RunSpec(source=Path(sys.argv[1]), argv=("python", "-m", "pytest", "-q"),
                       timeout_s=60))
except KeyboardInterrupt:
    print("interrupted", flush=True)
    raise SystemExit(130)
"""


def test_keyboard_interrupt_removes_the_container(docker_client, tmp_path):
    """Ctrl-C on a redfix process in the middle of a run, in a process of its own (a pytest
    started in the background ignores SIGINT, and so did this test when it ran in it)."""
    source = make_repo(tmp_path / "repo", {
        "tests/test_wait.py": "import time\n\ndef test_wait():\n    time.sleep(60)\n"})
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_RUN, str(source), BASE_IMAGE],
                          capture_output=True, text=True, timeout=50)
    pid, *rest = done.stdout.split()
    assert (done.returncode, rest) == (130, ["interrupted"]), done.stderr[-2000:]
    owner = f"{OWNER_LABEL}={socket.gethostname()}:{pid}"
    assert docker_client.containers.list(all=True, filters={"label": owner}) == []
    assert docker_client.volumes.list(filters={"label": [MANAGED_LABEL, owner]}) == []
