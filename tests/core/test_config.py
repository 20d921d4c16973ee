from pathlib import Path

import pytest

from bot.core.config import REPO_CONFIG_PATH
from bot.core.errors import ConfigError
from bot.wiring.settings import resolve_settings


def write_config(repo: Path, text: str) -> None:
    path = repo / REPO_CONFIG_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_defaults_without_any_layer(tmp_path):
    settings = resolve_settings(tmp_path, options={}, env={})
    assert settings.connector == "auto"
    assert settings.max_attempts == 3
    assert settings.test_command == ("python", "-m", "pytest")
    assert settings.sources == {}


def test_command_line_beats_environment_beats_file(tmp_path):
    write_config(tmp_path, "model: from-file\nmax_attempts: 5\nreruns: 7\nsandbox: local\n")
    env = {"REDFIX_MODEL": "from-env", "REDFIX_MAX_ATTEMPTS": "4"}
    settings = resolve_settings(tmp_path, options={"model": "from-cli", "reruns": None}, env=env)
    assert settings.model == "from-cli"
    assert settings.max_attempts == 4
    assert settings.reruns == 7
    assert settings.sources["model"] == "command line"
    assert settings.sources["max_attempts"] == "environment"
    assert settings.sources["reruns"] == REPO_CONFIG_PATH


def test_nested_file_settings_are_flattened(tmp_path):
    write_config(tmp_path, "docker:\n  image: custom:1\n  pids: 64\ntimeouts:\n  tests: 12\n"
                           "setup: ['pip install -r requirements.txt']\ntest_command: pytest -x\n")
    settings = resolve_settings(tmp_path, options={}, env={})
    assert settings.image == "custom:1"
    assert settings.pids == 64
    assert settings.test_timeout_s == 12
    assert settings.setup == ("pip install -r requirements.txt",)
    assert settings.test_command == ("pytest", "-x")


@pytest.mark.parametrize("text, named", [
    ("max_attempts: zero\n", "max_attempts"),
    ("sandboxx: docker\n", "sandboxx"),
    ("docker:\n  pids: 2\n", "docker.pids"),
    ("- a list\n", "mapping"),
    ("model: [unclosed\n", "not valid YAML"),
])
def test_bad_repository_file_names_the_key(tmp_path, text, named):
    write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        resolve_settings(tmp_path, options={}, env={})
    assert named in str(caught.value)
    assert REPO_CONFIG_PATH in str(caught.value)


def test_bad_environment_value_names_its_origin(tmp_path):
    with pytest.raises(ConfigError, match="max_attempts from environment"):
        resolve_settings(tmp_path, options={}, env={"REDFIX_MAX_ATTEMPTS": "many"})
    with pytest.raises(ConfigError, match="choose one of auto, docker, local"):
        resolve_settings(tmp_path, options={}, env={"REDFIX_SANDBOX": "vm"})


def test_boolean_environment_values(tmp_path):
    on = resolve_settings(tmp_path, options={}, env={"REDFIX_ALLOW_TEST_EDITS": "yes"})
    off = resolve_settings(tmp_path, options={}, env={"REDFIX_ALLOW_TEST_EDITS": "0"})
    assert on.allow_test_edits is True
    assert off.allow_test_edits is False
