"""docker-compose.yml and the Dockerfile say what a self-hosted deployment needs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import yaml

from bot.cli.doctor_parts import records_part
from connectors.records.sql import database_url
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


def test_stack_is_redfix_and_ollama_with_chroma_redis_and_postgres_as_profiles():
    services = compose()["services"]
    assert {name for name, spec in services.items() if "profiles" not in spec} == {
        "redfix", "ollama"}
    assert services["chroma"]["profiles"] == ["chroma"]
    assert services["postgres"]["profiles"] == ["postgres"]
    assert services["redis"]["profiles"] == ["redis"]
    assert services["worker"]["profiles"] == ["redis"]
    assert services["worker"]["command"] == ["redfix", "worker"]


def test_every_stateful_service_keeps_its_data_in_a_named_volume():
    document = compose()
    data = {"redfix": "/data", "ollama": "/root/.ollama", "chroma": "/data", "redis": "/data",
            "postgres": "/var/lib/postgresql/data"}
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
    assert environment["REDFIX_OPERATOR_TOKEN"] == "${REDFIX_OPERATOR_TOKEN:-}", \
        "the operator token is passed on, and /stats stays closed without it"


def documented_database_url(text: str) -> str:
    found = re.search(r"^REDFIX_DATABASE_URL=(\S+)", text, flags=re.M)
    assert found, "the README shows the REDFIX_DATABASE_URL line for .env"
    return found.group(1)


def test_redfix_and_its_workers_can_keep_their_records_in_the_postgres_service():
    services = compose()["services"]
    postgres = services["postgres"]
    assert "ports" not in postgres, "the database is reached inside the stack only"
    readme = (ROOT / "README.md").read_text()
    password = re.search(r"^REDFIX_POSTGRES_PASSWORD=(\S+)", readme, flags=re.M)
    assert password and postgres["environment"]["POSTGRES_PASSWORD"] == \
        "${REDFIX_POSTGRES_PASSWORD:-redfix}"
    url = documented_database_url(readme)
    parts = urlsplit(url)
    assert (parts.hostname, parts.port) == ("postgres", 5432)
    assert parts.username == postgres["environment"]["POSTGRES_USER"]
    assert parts.password == password.group(1)
    assert parts.path == "/" + postgres["environment"]["POSTGRES_DB"]
    assert postgres["healthcheck"]["test"][1:] == [
        "pg_isready", "-U", parts.username, "-d", postgres["environment"]["POSTGRES_DB"]]
    for name in ("redfix", "worker"):  # both from the x-redfix settings
        assert services[name]["environment"]["REDFIX_DATABASE_URL"] == \
            "${REDFIX_DATABASE_URL:-}", name
    driver = sa.engine.make_url(database_url({"REDFIX_DATABASE_URL": url}, Path("/data")))
    assert (driver.get_backend_name(), driver.get_driver_name()) == ("postgresql", "psycopg")
    doctor = records_part({"REDFIX_DATABASE_URL": url}, Path("/data"))
    assert doctor.on and doctor.detail == "postgresql://postgres:5432/redfix"


def test_compose_accepts_the_file_with_every_profile():
    command = compose_command()
    if command is None:
        pytest.skip("neither docker-compose nor the compose plugin is installed")
    env = {**os.environ, **ENV}
    profiles = ["--profile", "redis", "--profile", "chroma", "--profile", "postgres"]
    done = subprocess.run([*command, *profiles, "config", "--services"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == {"redfix", "worker", "ollama", "chroma", "redis",
                                        "postgres"}
    url = "postgresql://redfix:pw@postgres:5432/redfix"
    resolved = subprocess.run([*command, *profiles, "config"], cwd=ROOT, capture_output=True,
                              env={**env, "REDFIX_DATABASE_URL": url, "REDFIX_POSTGRES_PASSWORD":
                                   "pw"}, text=True, check=False)
    assert resolved.returncode == 0, resolved.stderr
    services = yaml.safe_load(resolved.stdout)["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pw"
    assert {services[n]["environment"]["REDFIX_DATABASE_URL"] for n in ("redfix", "worker")} \
        == {url}
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
