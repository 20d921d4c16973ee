"""docker-compose.yml and the Dockerfile say what a self-hosted deployment needs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from tests.action.conftest import ROOT

ENV = {"REDFIX_WEBHOOK_SECRET": "s3cret-value", "REDFIX_APP_ID": "1234"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True,
                                 check=False).returncode == 0:
        return [docker, "compose"]
    return None


def test_stack_is_redfix_and_ollama_with_chroma_and_redis_as_profiles():
    services = compose()["services"]
    assert {name for name, spec in services.items() if "profiles" not in spec} == {
        "redfix", "ollama"}
    assert services["chroma"]["profiles"] == ["chroma"]
    assert services["redis"]["profiles"] == ["redis"]
    assert services["worker"]["profiles"] == ["redis"]
    assert services["worker"]["command"] == ["redfix", "worker"]


def test_every_stateful_service_keeps_its_data_in_a_named_volume():
    document = compose()
    data = {"redfix": "/data", "ollama": "/root/.ollama", "chroma": "/data", "redis": "/data"}
    for service, path in data.items():
        mounts = [m.split(":") for m in document["services"][service]["volumes"]]
        volume = next(source for source, target in mounts if target == path)
        assert volume in document["volumes"], service


def test_redfix_talks_to_the_stack_by_service_name():
    environment = compose()["services"]["redfix"]["environment"]
    assert "http://ollama:11434" in environment["REDFIX_BASE_URL"]
    assert environment["REDFIX_DATA_DIR"] == "/data"
    assert environment["REDFIX_PRIVATE_KEY_PATH"].startswith("/run/secrets/")
    assert ":?" in environment["REDFIX_WEBHOOK_SECRET"], "a missing secret stops compose"


def test_compose_accepts_the_file_with_every_profile():
    command = compose_command()
    if command is None:
        pytest.skip("neither docker-compose nor the compose plugin is installed")
    env = {**os.environ, **ENV}
    done = subprocess.run([*command, "--profile", "redis", "--profile", "chroma", "config",
                           "--services"], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == {"redfix", "worker", "ollama", "chroma", "redis"}
    unset = {k: v for k, v in os.environ.items() if not k.startswith("REDFIX")}
    missing = subprocess.run([*command, "config", "-q"], cwd=ROOT, capture_output=True,
                             text=True, check=False, env=unset)
    assert missing.returncode != 0 and "set REDFIX_WEBHOOK_SECRET in .env" in missing.stderr


def test_dockerfile_is_multi_stage_non_root_and_serves_by_default():
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, flags=re.M)) == 3
    assert "COPY --from=deps /opt/redfix /opt/redfix" in text
    assert "--no-index" in text, "the runtime stage installs redfix's wheel with no network"
    assert re.search(r"^USER 10001", text, flags=re.M)
    assert 'CMD ["redfix", "serve", "--host", "0.0.0.0", "--port", "8000"]' in text
    assert '"-m", "action.container"]' in text
    assert re.search(r"^ARG TORCH_INDEX_URL=", text, flags=re.M), "the CPU build is a build arg"


def test_build_context_is_the_package_only():
    allowed = {line[1:] for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}
    assert {"pyproject.toml", "README.md", "bot", "connectors", "prompts", "action"} <= allowed
    assert not allowed & {".git", ".venv", "tests", "examples", "bench"}
