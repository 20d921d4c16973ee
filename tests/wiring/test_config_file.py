"""A .github/redfix.yml that explains itself: problems with key and line, the shipped
schema, and the starter file `redfix init` writes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.core.config import REPO_CONFIG_PATH
from bot.core.errors import ConfigError
from bot.wiring.config_file import config_problems, config_schema, starter_config
from bot.wiring.settings import resolve_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "bookshop"


def located(text: str) -> list[tuple[int | None, str]]:
    return [(problem.line, problem.key) for problem in config_problems(text)]


def test_a_valid_file_has_no_problem():
    assert config_problems("model: m\ndocker:\n  cpus: 1.5\nsetup:\n  - pip install .\n") == []
    assert config_problems("") == []


def test_each_problem_names_its_key_and_line_in_file_order():
    text = "model: m\nsetup:\n  - ok\n  - 3\nmax_attemps: 2\ndocker:\n  pids: 2\n"
    assert located(text) == [(4, "setup.1"), (5, "max_attemps"), (7, "docker.pids")]


def test_an_unknown_key_suggests_the_setting_it_resembles():
    [problem] = config_problems("timeouts:\n  test: 30\n")
    assert (problem.line, problem.key) == (2, "timeouts.test")
    assert "did you mean tests?" in problem.message
    assert "model, setup, tests" in problem.message


@pytest.mark.parametrize(("text", "line", "says"), [
    ("model: [unclosed\n", 2, "not valid YAML"),
    ("model: m\n  bad: indent\n", 2, "not valid YAML"),
    ("- a list\n", 1, "expected a mapping"),
])
def test_a_file_that_is_no_settings_mapping_is_said_so(text, line, says):
    [problem] = config_problems(text)
    assert problem.line == line and says in problem.message and problem.key == ""


def test_resolving_settings_gives_the_lines_too(tmp_path):
    (tmp_path / ".github").mkdir()
    (tmp_path / REPO_CONFIG_PATH).write_text("reruns: 1\nsandbx: docker\n")
    with pytest.raises(ConfigError, match=r"line 2: sandbx: unknown setting; did you mean sandbox"):
        resolve_settings(tmp_path, options={}, env={})


def test_the_shipped_schema_is_the_generated_one():
    shipped = json.loads((ROOT / "docs" / "redfix.schema.json").read_text())
    assert shipped == config_schema(), "run `redfix config schema > docs/redfix.schema.json`"


def readme_configs() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### `.github/redfix.yml`", 1)[1]
    return re.findall(r"```yaml\n(.*?)```", section.split("\n### ", 1)[0], re.S)


def test_the_schema_and_the_checker_accept_the_documented_file_and_refuse_what_they_should():
    [documented] = readme_configs()
    validator = jsonschema.Draft202012Validator(config_schema())
    assert list(validator.iter_errors(yaml.safe_load(documented))) == []
    assert config_problems(documented) == []
    for bad in ({"max_attempts": 0}, {"sandbox": "vm"}, {"docker": {"cpu": 1}}, {"reports": "x"}):
        assert list(validator.iter_errors(bad)), bad
        assert config_problems(yaml.safe_dump(bad)), bad


def test_the_starter_file_says_what_the_repository_says_and_is_valid(tmp_path):
    repo = tmp_path / "bookshop"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns(".github"))
    text = starter_config(repo)
    assert config_problems(text) == []
    (repo / ".github").mkdir()
    (repo / REPO_CONFIG_PATH).write_text(text)
    settings = resolve_settings(repo, options={}, env={})
    assert settings.test_command == ("python", "-m", "pytest")
    assert settings.setup == ("python -m pip install pytest", "python -m pip install -e .")
    assert settings.sources["setup"] == REPO_CONFIG_PATH
    assert settings.sources.get("model") is None  # the rest stays commented out
