"""DockerRunner against the real engine: reports, overlay, output cap, dependency cache, cleanup.

These tests fail (never skip) when the engine is down: CI runs scripts/setup-docker first.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import pytest
from docker.errors import ImageNotFound, NotFound

from bot.core.errors import SandboxError, SandboxUnavailable
from bot.core.project_detect import detect_project
from bot.core.results import RunSpec, Termination
from connectors.sandbox import images
from connectors.sandbox.containers import MANAGED_LABEL, OWNER_LABEL, RUN_LABEL
from connectors.sandbox.docker import HOW_TO_START, DockerLimits, DockerRunner, connect
from connectors.sandbox.factory import build_runner, docker_status
from connectors.sandbox.images import dependency_digest
from connectors.sandbox.leftovers import is_leftover
from connectors.sandbox.pip_settings import host_pip_environment

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
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def leftovers(client: Any, run_id: str) -> list[Any]:
    label = f"{RUN_LABEL}={run_id}"
    return [*client.containers.list(all=True, filters={"label": label}),
            *client.volumes.list(filters={"label": label})]


CALC = {
    "calc.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": (
        "from calc import add\n\n"
        "def test_zero():\n    assert add(0, 0) == 0\n\n"
        "def test_sum():\n    assert add(2, 2) == 4\n"
    ),
}


def test_runs_pytest_and_reads_back_the_junit_report(runner, docker_client, tmp_path):
    source = make_repo(tmp_path, CALC)
    outcome = runner.run(RunSpec(source=source, argv=PYTEST, timeout_s=60))
    assert outcome.sandbox == "docker"
    assert outcome.termination is Termination.EXITED
    assert outcome.exit_code == 1
    assert "1 failed, 1 passed" in outcome.output
    assert outcome.report_xml is not None
    report = SafeET.fromstring(outcome.report_xml)
    cases = {case.get("name"): case for case in report.iter("testcase")}
    assert set(cases) == {"test_zero", "test_sum"}
    assert cases["test_sum"].find("failure") is not None
    assert cases["test_zero"].find("failure") is None
    assert leftovers(docker_client, runner.last_run.run_id) == []


def test_overlay_is_applied_to_the_copy_only(runner, tmp_path):
    source = make_repo(tmp_path, CALC)
    outcome = runner.run(RunSpec(source=source, argv=PYTEST, timeout_s=60,
                                 overlay={"calc.py": "def add(a, b):\n    return a + b\n"}))
    assert outcome.exit_code == 0, outcome.output
    assert "2 passed" in outcome.output
    assert (source / "calc.py").read_text() == CALC["calc.py"]


def test_a_command_that_writes_no_report_gives_none(runner, tmp_path):
    source = make_repo(tmp_path, {"main.py": "raise SystemExit(3)\n"})
    outcome = runner.run(RunSpec(source=source, argv=("python", "main.py", "{report}")))
    assert outcome.exit_code == 3
    assert outcome.report_xml is None


@pytest.fixture
def make_runner(docker_client: Any) -> Iterator[Callable[..., DockerRunner]]:
    made: list[DockerRunner] = []

    def make(**options: Any) -> DockerRunner:
        made.append(DockerRunner(**options))
        return made[-1]

    yield make
    for runner in made:
        runner.close()


def test_output_is_capped_keeping_head_and_tail(make_runner, tmp_path):
    capped = make_runner(image=BASE_IMAGE, limits=replace(SMALL, max_output_bytes=10_000))
    code = "print('FIRST'); print('x' * 3_000_000); print('LAST')"
    outcome = capped.run(RunSpec(source=make_repo(tmp_path, {}), argv=("python", "-c", code)))
    assert outcome.termination is Termination.EXITED and outcome.exit_code == 0
    assert len(outcome.output) < 11_000
    assert outcome.output.startswith("FIRST")
    assert outcome.output.rstrip().endswith("LAST")
    assert "bytes of output omitted" in outcome.output


def test_endless_output_is_stopped_at_the_kill_threshold(make_runner, docker_client, tmp_path):
    flooding = make_runner(image=BASE_IMAGE, limits=replace(
        SMALL, max_output_bytes=10_000, kill_output_bytes=2 << 20))
    code = "while True: print('y' * 1000)"
    outcome = flooding.run(RunSpec(source=make_repo(tmp_path, {}), argv=("python", "-c", code),
                                   timeout_s=60))
    assert outcome.termination is Termination.OUTPUT
    assert outcome.exit_code is None
    assert outcome.seconds < 30
    assert leftovers(docker_client, flooding.last_run.run_id) == []


@pytest.fixture
def deps_images(docker_client: Any) -> Iterator[list[str]]:
    """Dependency images the test makes; removed afterwards so reruns start cold."""
    made: list[str] = []
    yield made
    for tag in made:
        with contextlib.suppress(ImageNotFound):
            docker_client.images.remove(tag, force=True)


def test_dependency_image_is_built_once_per_repository_state(runner, deps_images, tmp_path):
    # A fresh comment makes this test's repository state new to the cache.
    requirements = f"# state {uuid.uuid4().hex}\nsix\n"
    source = make_repo(tmp_path, {
        "requirements.txt": requirements,
        "tests/test_six.py": "import six\n\ndef test_six():\n    assert six.PY3\n",
    })
    spec = RunSpec(source=source, argv=PYTEST, timeout_s=60,
                   setup=("pip install -r requirements.txt",),
                   dependency_files=("requirements.txt",))

    first = runner.run(spec)
    assert first.exit_code == 0, first.output
    built = runner.last_run
    deps_images.append(built.image)
    assert built.dependency_image_built

    second = runner.run(spec)
    assert second.exit_code == 0, second.output
    assert not runner.last_run.dependency_image_built, "same state: no reinstall"
    assert runner.last_run.image == built.image

    (source / "requirements.txt").write_text(requirements + "# changed\n")
    third = runner.run(spec)
    deps_images.append(runner.last_run.image)
    assert third.exit_code == 0, third.output
    assert runner.last_run.dependency_image_built, "changed requirements: reinstall"
    assert runner.last_run.image != built.image


def test_failing_setup_raises_with_its_output(runner, tmp_path):
    source = make_repo(tmp_path, {"requirements.txt": f"# {uuid.uuid4().hex}\n"})
    spec = RunSpec(source=source, argv=PYTEST, setup=("echo cannot-install >&2; exit 7",),
                   dependency_files=("requirements.txt",))
    with pytest.raises(SandboxError, match="exit code 7") as raised:
        runner.run(spec)
    assert "cannot-install" in str(raised.value)


def test_a_pin_that_cannot_be_installed_is_named_in_the_error(runner, tmp_path):
    missing = "redfix-no-such-package-7f3a==0.0.1"
    source = make_repo(tmp_path, {"requirements.txt": f"# {uuid.uuid4().hex}\n{missing}\n"})
    spec = RunSpec(source=source, argv=PYTEST, setup=("pip install -r requirements.txt",),
                   dependency_files=("requirements.txt",))
    with pytest.raises(SandboxError) as raised:
        runner.run(spec)
    assert f"pip could not install {missing} (no release of it for this Python)" in \
        str(raised.value)


def test_dependency_image_keeps_nothing_of_the_setup_run(runner, docker_client, tmp_path):
    """Its config is redfix's alone: no labels of the set-up run, no pip or TLS settings."""
    runner.run(RunSpec(source=make_repo(tmp_path, CALC), argv=PYTEST, timeout_s=60))
    image = docker_client.images.get(runner.last_run.image)
    config = image.attrs["Config"]
    assert config["Labels"]["io.redfix.deps"] == "1"
    leftovers = {"label": f"{MANAGED_LABEL}=1"}
    assert image.id not in {found.id for found in docker_client.images.list(filters=leftovers)}
    assert config["User"] == "1000:1000"
    assert not [entry for entry in config["Env"] if entry.startswith(("PIP_", "SSL_CERT_FILE"))]


def test_sweep_removes_a_labelled_leftover_container(runner, docker_client):
    stale = docker_client.containers.create(
        BASE_IMAGE, ["true"], labels={MANAGED_LABEL: "1", RUN_LABEL: "stale-test",
                                      OWNER_LABEL: f"{socket.gethostname()}:999999999"})
    live = docker_client.containers.create(
        BASE_IMAGE, ["true"], labels={MANAGED_LABEL: "1", RUN_LABEL: "live-test",
                                      OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}"})
    try:
        assert runner.sweep_leftovers() >= 1
        remaining = {c.id for c in docker_client.containers.list(all=True)}
        assert stale.id not in remaining
        assert live.id in remaining, "a container of a live redfix process is spared"
    finally:
        for container in (stale, live):
            with contextlib.suppress(NotFound):
                container.remove(force=True)


def test_unreachable_daemon_says_how_to_start_it(make_runner, tmp_path):
    runner = make_runner(base_url="unix:///nonexistent.sock")
    with pytest.raises(SandboxUnavailable) as raised:
        runner.run(RunSpec(source=tmp_path, argv=PYTEST))
    assert HOW_TO_START in str(raised.value)
    assert "systemctl start docker" in str(raised.value)


def test_missing_base_image_says_how_to_build_it(make_runner, tmp_path):
    runner = make_runner(image="redfix-no-such-image:0")
    with pytest.raises(SandboxError, match="scripts/setup-docker"):
        runner.run(RunSpec(source=make_repo(tmp_path, CALC), argv=PYTEST))


def test_editable_install_follows_each_runs_copy(runner, deps_images, tmp_path):
    """A src-layout project installed by its detected setup: the tests see the overlay."""
    source = make_repo(tmp_path, {
        "pyproject.toml": (
            "[build-system]\nrequires = ['setuptools>=64']\n"
            "build-backend = 'setuptools.build_meta'\n"
            f"[project]\nname = 'shapes{uuid.uuid4().hex[:8]}'\nversion = '0.1'\n"
            "[tool.setuptools.packages.find]\nwhere = ['src']\n"
        ),
        "src/shapes/__init__.py": "def area(w, h):\n    return w + h\n",
        "tests/test_area.py": (
            "from shapes import area\n\ndef test_area():\n    assert area(2, 3) == 6\n"
        ),
    })
    detected = detect_project(source)
    spec = RunSpec(source=source, argv=PYTEST, timeout_s=60, setup=detected.setup,
                   dependency_files=detected.dependency_files)
    before = runner.run(spec)
    deps_images.append(runner.last_run.image)
    assert before.exit_code == 1, before.output
    fixed = runner.run(replace(spec, overlay={"src/shapes/__init__.py":
                                              "def area(w, h):\n    return w * h\n"}))
    assert not runner.last_run.dependency_image_built
    assert fixed.exit_code == 0, fixed.output


def test_build_runner_auto_uses_docker_when_it_answers(docker_client):
    runner = build_runner("auto", image=BASE_IMAGE)
    assert isinstance(runner, DockerRunner)
    runner.close()


def test_build_runner_auto_falls_back_to_local_when_docker_is_down():
    assert build_runner("auto", base_url="unix:///nonexistent.sock").kind == "local"


def test_build_runner_docker_down_is_an_infrastructure_error():
    with pytest.raises(SandboxUnavailable) as raised:
        build_runner("docker", base_url="unix:///nonexistent.sock")
    assert raised.value.exit_code == 3
    assert HOW_TO_START in str(raised.value)


def test_docker_status_names_a_missing_image(docker_client):
    assert docker_status(image=BASE_IMAGE)[0]
    present, detail = docker_status(image="redfix-no-such-image:0")
    assert not present
    assert "scripts/setup-docker" in detail


def test_host_pip_settings_reach_the_setup_container_without_host_paths(tmp_path):
    config = tmp_path / "pip.conf"
    config.write_text(
        "[global]\nindex-url = https://mirror.example/simple\n"
        "extra-index-url = file:///opt/pypi/simple\n    https://extra.example/simple\n"
        "find-links = /opt/wheels\ncert = /etc/ssl/certs/ca-certificates.crt\n"
    )
    env = {"PIP_TRUSTED_HOST": "mirror.example", "HTTPS_PROXY": "http://proxy:3128",
           "PIP_FIND_LINKS": "/opt/wheels", "PIP_INDEX_URL": "https://override.example/simple"}
    assert host_pip_environment(env, config_files=[str(config)]) == {
        "HTTPS_PROXY": "http://proxy:3128",
        "PIP_EXTRA_INDEX_URL": "https://extra.example/simple",
        "PIP_INDEX_URL": "https://override.example/simple",
        "PIP_TRUSTED_HOST": "mirror.example",
    }


def test_dependency_key_follows_setup_file_content_and_runtime(monkeypatch):
    setup = ["pip install -r r.txt"]
    key = dependency_digest("sha256:base", setup, {"r.txt": b"six\n"})
    assert key == dependency_digest("sha256:base", setup, {"r.txt": b"six\n"})
    assert key != dependency_digest("sha256:base", setup, {"r.txt": b"six\n#\n"})
    assert key != dependency_digest("sha256:base", setup, {"r.txt": None})
    assert key != dependency_digest("sha256:other", setup, {"r.txt": b"six\n"})
    assert key != dependency_digest("sha256:base", [*setup, "x"], {"r.txt": b"six\n"})
    monkeypatch.setattr(images, "RUNTIME_STEPS", (*images.RUNTIME_STEPS, "pip install x"))
    assert key != dependency_digest("sha256:base", setup, {"r.txt": b"six\n"}), (
        "a dependency image is built on the runtime image, so a new runtime rebuilds it")


def test_leftovers_of_other_hosts_are_judged_by_age():
    here = socket.gethostname()
    assert is_leftover(f"{here}:999999999", running=True, age_s=1)
    assert not is_leftover(f"{here}:{os.getpid()}", running=False, age_s=10**6)
    assert not is_leftover("elsewhere:1", running=False, age_s=60)
    assert is_leftover("elsewhere:1", running=False, age_s=3600)
    assert not is_leftover("elsewhere:1", running=True, age_s=3600)
    assert is_leftover(None, running=False, age_s=3600)
