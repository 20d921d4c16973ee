"""The Docker daemon 'stopped' in the middle of a sandbox run, without touching the shared
daemon: the runner talks to it through a unix-socket proxy that the test cuts. The run
fails at once with a retryable error that says what to do, and the container it had
started (a test that would loop forever) is removed once Docker answers again."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import pytest

from bot.core.errors import SandboxUnavailable
from bot.core.results import RunSpec
from connectors.sandbox.containers import RUN_LABEL
from connectors.sandbox.docker import HOW_TO_START, DockerLimits, DockerRunner, connect
from connectors.sandbox.leftovers import remove_run
from tests.hardening.docker_proxy import DockerSocketProxy

pytestmark = [
    pytest.mark.docker,
    # docker-py opens a unix socket per connection attempt and leaves it unclosed when the
    # daemon is gone (docker/transport/unixconn.py, connect()); the garbage collector
    # closes it with a ResourceWarning. That is the library's leak, collected below.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
]

IMAGE = "python:3.11-slim"
FOREVER = {"tests/test_forever.py": "def test_forever():\n    while True:\n        pass\n"}
QUICK = {"tests/test_quick.py": "def test_quick():\n    assert 1 + 1 == 2\n"}
PYTEST = ("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml={report}")


def repo(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def direct():
    """The real socket, to look behind the runner's back; removes what a failed test left."""
    client = connect()
    before = {c.id for c in client.containers.list(all=True, filters={"label": RUN_LABEL})}
    yield client
    for container in client.containers.list(all=True, filters={"label": RUN_LABEL}):
        if container.id not in before:
            remove_run(client, container.labels[RUN_LABEL])
    client.close()


def test_docker_stopping_mid_run_fails_fast_and_leaves_nothing_running(tmp_path, direct):
    proxy = DockerSocketProxy(tmp_path / "docker.sock").start()
    runner = DockerRunner(image=IMAGE, base_url=proxy.url,
                          limits=DockerLimits(memory="256m", cpus=1.0, pids=64))
    before = {c.id for c in direct.containers.list(all=True, filters={"label": RUN_LABEL})}

    def cut_when_the_test_runs() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            live = direct.containers.list(filters={"label": RUN_LABEL, "status": "running"})
            if [c for c in live if c.id not in before]:
                time.sleep(1.0)
                proxy.cut()
                return
            time.sleep(0.2)

    cutter = threading.Thread(target=cut_when_the_test_runs, daemon=True)
    cutter.start()
    started = time.monotonic()
    with pytest.raises(SandboxUnavailable) as caught:
        runner.run(RunSpec(source=repo(tmp_path / "forever", FOREVER), argv=PYTEST,
                           timeout_s=600))
    cutter.join(timeout=5)
    assert time.monotonic() - started < 120, "no wait for the 600 s test timeout"
    error = caught.value
    del caught  # its traceback holds the sockets docker-py left open (collected below)
    assert error.retryable, "the service's queue retries the job"
    assert HOW_TO_START in str(error) and "lost the connection to Docker" in str(error)
    error.__traceback__ = error.__cause__ = error.__context__ = None
    (orphan,) = [c for c in direct.containers.list(all=True, filters={"label": RUN_LABEL})
                 if c.id not in before]
    orphan.reload()
    assert orphan.status == "running", "cut off, the daemon still runs the endless test"

    back = DockerSocketProxy(tmp_path / "docker.sock").start()  # Docker answers again
    try:
        outcome = runner.run(RunSpec(source=repo(tmp_path / "quick", QUICK), argv=PYTEST))
    finally:
        runner.close()
        back.cut()
    assert outcome.exit_code == 0
    remaining = {c.id for c in direct.containers.list(all=True, filters={"label": RUN_LABEL})}
    assert orphan.id not in remaining, "the next run removed what the cut-off run left"
    gc.collect()  # the sockets docker-py left behind, closed while the filter applies
