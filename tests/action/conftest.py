"""A simulated Actions runner: the variables and files GitHub documents, a workspace checked
out from the GitHub simulator, and `python -m action` run as the runner runs a step."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import bookshop_tree, git, junit_report
from tests.e2e.conftest import MODEL, ScriptedModel, scripted_model  # noqa: F401
from tests.github_simulator import GitHubSimulator, SimRepo
from tests.github_simulator.payloads import example, octokit_dir
from tests.host_pytest import HOST_PYTEST_CMD

ROOT = Path(__file__).resolve().parents[2]
REPO = "octo-org/bookshop"
INSTALLATION = 4711
RUN_ID = "9876543210"
CONFIG = "reruns: 1\ncandidates: 1\nregression_test: false\n"


@pytest.fixture(scope="session")
def octokit() -> Path:
    return octokit_dir()


@pytest.fixture(scope="session")
def failing_report(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The JUnit report of the bookshop's failing test step (run once per session)."""
    folder = tmp_path_factory.mktemp("test-step")
    return junit_report(bookshop_tree(folder / "work"), folder / "junit.xml")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """REDFIX_DATA_DIR shared by the runs, as a runner's cache would be: baselines are reused."""
    return tmp_path_factory.mktemp("redfix-data")


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[GitHubSimulator]:
    with GitHubSimulator(tmp_path / "github") as sim:
        yield sim


@dataclass
class Runner:
    """One job on a simulated runner: its workspace, files and environment."""

    tmp: Path
    simulator: GitHubSimulator
    repo: SimRepo
    workspace: Path
    token: str
    data_dir: Path

    @property
    def output_file(self) -> Path:
        return self.tmp / "runner" / "output"

    @property
    def summary_file(self) -> Path:
        return self.tmp / "runner" / "step_summary"

    def event(self, name: str, payload: dict[str, Any]) -> Path:
        path = self.tmp / "runner" / f"{name}.json"
        path.write_text(json.dumps(payload))
        return path

    def push_payload(self, branch: str = "main") -> dict[str, Any]:
        payload = example("push")
        sha = self.repo.ref(branch)
        payload.update(ref=f"refs/heads/{branch}", after=sha, base_ref=None, created=False)
        payload["repository"].update(full_name=REPO, name=self.repo.name,
                                     clone_url=self.repo.clone_url, default_branch="main")
        return payload

    def env(self, *, event: str = "push", payload: dict[str, Any] | None = None,
            branch: str = "main", **inputs: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("REDFIX_", "INPUT_", "GITHUB_", "RUNNER_"))}
        sha = self.repo.ref(branch) or ""
        env.update(
            CI="true", GITHUB_ACTIONS="true", GITHUB_ACTION="redfix",
            GITHUB_EVENT_NAME=event,
            GITHUB_EVENT_PATH=str(self.event(event, payload or self.push_payload(branch))),
            GITHUB_WORKSPACE=str(self.workspace), GITHUB_REPOSITORY=REPO, GITHUB_SHA=sha,
            GITHUB_REF=f"refs/heads/{branch}", GITHUB_REF_NAME=branch, GITHUB_RUN_ID=RUN_ID,
            GITHUB_API_URL=self.simulator.url,
            GITHUB_SERVER_URL=f"{self.simulator.url}/web",
            GITHUB_OUTPUT=str(self.output_file), GITHUB_STEP_SUMMARY=str(self.summary_file),
            RUNNER_TEMP=str(self.tmp / "runner" / "temp"),
            REDFIX_DATA_DIR=str(self.data_dir), PYTHONPATH=str(ROOT),
        )
        env.update({f"INPUT_{name.upper().replace('_', '-')}": value
                    for name, value in inputs.items()})
        return env

    def model_inputs(self, model: ScriptedModel) -> dict[str, str]:
        return {"connector": "openai", "base_url": model.base_url, "model": MODEL,
                "sandbox": "local", "test_command": HOST_PYTEST_CMD,
                "max_attempts": "1"}


@pytest.fixture
def runner(tmp_path: Path, simulator: GitHubSimulator, failing_report: bytes,
           data_dir: Path) -> Runner:
    """The bookshop (a real failing test) hosted by the simulator, checked out the way
    actions/checkout does (shallow), with the JUnit report of the failing test step."""
    work = bookshop_tree(tmp_path / "work")
    (work / ".github" / "redfix.yml").write_text(CONFIG)
    git(work, "commit", "-q", "-am", "redfix settings")
    repo = simulator.world.add_repository(REPO, work, installation_id=INSTALLATION)
    workspace = tmp_path / "workspace"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.bare}", str(workspace)],
                   check=True)
    (workspace / "reports").mkdir()
    (workspace / "reports" / "junit.xml").write_bytes(failing_report)
    (tmp_path / "runner" / "temp").mkdir(parents=True)
    token, _ = simulator.world.issue_token(INSTALLATION)  # what GITHUB_TOKEN is to the API
    return Runner(tmp_path, simulator, repo, workspace, token, data_dir)


def run_step(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m action` from the repository root, as the composite action runs it."""
    return subprocess.run([sys.executable, "-m", "action", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT parsed the way the runner parses it (`name=value`, `name<<DELIM`)."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text().split("\n")) if path.exists() else iter(())
    for line in lines:
        heredoc = re.fullmatch(r"([^=<]+)<<(.+)", line)
        if heredoc:
            name, delimiter = heredoc.groups()
            body = []
            for value_line in lines:
                if value_line == delimiter:
                    break
                body.append(value_line)
            else:
                raise AssertionError(f"no closing delimiter for output {name}")
            outputs[name] = "\n".join(body)
        elif "=" in line:
            name, _, value = line.partition("=")
            outputs[name] = value
        else:
            assert line == "", f"a line the runner cannot parse: {line!r}"
    return outputs
