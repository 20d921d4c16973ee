"""The container image, built with scripts/build-image (cached per source hash), then run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.action.conftest import ROOT, read_outputs
from tests.e2e.conftest import EXAMPLE

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def image() -> str:
    done = subprocess.run([str(ROOT / "scripts" / "build-image")], capture_output=True,
                          text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout.strip().splitlines()[-1]


def docker_run(image: str, *args: str, options: tuple[str, ...] = ()
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", "run", "--rm", "--network", "none", *options, image, *args],
                          capture_output=True, text=True, timeout=120, check=False)


def python_in(image: str, code: str) -> str:
    done = docker_run(image, "python", "-P", "-c", code)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_cli_runs_in_the_image(image):
    done = docker_run(image, "redfix", "--version")
    assert done.returncode == 0 and done.stdout.strip().startswith("redfix ")


def test_image_runs_as_a_non_root_user_and_carries_every_prompt(image):
    found = json.loads(python_in(image, (
        "import json, os, importlib.resources as r; print(json.dumps([os.getuid(), "
        "sorted(p.name for p in r.files('prompts').iterdir() if p.name.endswith('.j2'))]))")))
    assert found[0] == 10001
    assert found[1] == sorted(p.name for p in (ROOT / "prompts").glob("*.j2"))


def test_the_image_localizes_with_chroma_and_embeddings_offline(image):
    """The whole product: the embedding model loads from the image alone (no network) and
    the fix's default localizer is the hybrid one over a Chroma index."""
    found = json.loads(python_in(image, (
        "import json; from pathlib import Path\n"
        "from connectors.vector.embedder import MiniLMEmbedder\n"
        "from bot.wiring.localizers import build_localizer\n"
        "vectors = MiniLMEmbedder().embed(['def paginate(page, per_page): ...'])\n"
        "chosen = build_localizer('auto', data_dir=Path('/data'), chroma_url=None)\n"
        "import chromadb\n"
        "print(json.dumps([list(vectors.shape), type(chosen).__name__]))")))
    assert found == [[1, 384], "IndexedLocalizer"]


def test_outside_a_runner_the_action_says_what_is_missing(image):
    done = docker_run(image, options=("-e", "GITHUB_ACTIONS=true", "-e", "GITHUB_ACTION=redfix"))
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=redfix::redfix: bad input: GITHUB_WORKSPACE")
    assert "Traceback" not in done.stdout + done.stderr


def runner_folder(tmp_path: Path, report: bytes) -> Path:
    """/github as a docker step sees it, readable and writable by the image's user."""
    root = tmp_path / "github"
    shutil.copytree(EXAMPLE, root / "workspace")
    (root / "workspace" / "reports").mkdir()
    (root / "workspace" / "reports" / "junit.xml").write_bytes(report)
    (root / "workflow").mkdir()
    (root / "workflow" / "event.json").write_text(json.dumps({"ref": "refs/heads/main"}))
    for name in ("output", "summary"):
        (root / "file_commands" / name).parent.mkdir(exist_ok=True)
        (root / "file_commands" / name).touch()
    for path in (root, *root.rglob("*")):
        os.chmod(path, 0o777 if path.is_dir() else 0o666)
    return root


def test_a_docker_step_runs_the_action_entry_point(image, tmp_path, failing_report,
                                                   closed_port_url):
    root = runner_folder(tmp_path, failing_report)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_ACTION": "redfix", "GITHUB_EVENT_NAME": "push",
           "GITHUB_WORKSPACE": "/github/workspace", "GITHUB_REF": "refs/heads/main",
           "GITHUB_EVENT_PATH": "/github/workflow/event.json", "GITHUB_RUN_ID": "1",
           "GITHUB_OUTPUT": "/github/file_commands/output",
           "GITHUB_STEP_SUMMARY": "/github/file_commands/summary", "RUNNER_TEMP": "/tmp",
           "INPUT_REPORTS": "reports/*.xml", "INPUT_OPEN-PR": "false",
           "INPUT_OLLAMA-URL": closed_port_url, "INPUT_SANDBOX": "local"}
    options = ["-v", f"{root}:/github", "--workdir", "/github/workspace", "--network", "host"]
    for name, value in env.items():
        options += ["-e", f"{name}={value}"]

    done = subprocess.run(["docker", "run", "--rm", *options, image], capture_output=True,
                          text=True, timeout=120, check=False)

    assert done.returncode == 3, done.stdout + done.stderr
    assert "::error file=tests/test_catalog.py,line=17," in done.stdout
    assert f"no model server answers at {closed_port_url}" in done.stdout
    assert read_outputs(root / "file_commands" / "output")["status"] == "error"
    assert "## redfix: error" in (root / "file_commands" / "summary").read_text()
