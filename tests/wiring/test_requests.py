"""fix_request: a repository's test command and setup come from its language unless
an option, a variable or .github/redfix.yml chose them."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.config import REPO_CONFIG_PATH
from bot.core.languages.javascript import JEST_COMMAND
from bot.wiring.config_file import starter_config
from bot.wiring.requests import fix_request
from bot.wiring.settings import resolve_settings

PACKAGE = json.dumps({"devDependencies": {"jest": "^29.7.0", "jest-junit": "^16.0.0"}})


def jest_repo(root: Path) -> Path:
    (root / "package.json").write_text(PACKAGE)
    (root / "package-lock.json").write_text("{}")
    return root


def test_a_jest_repository_runs_jest_after_npm_ci(tmp_path):
    repo = jest_repo(tmp_path)
    request = fix_request(repo, resolve_settings(repo, options={}, env={}))
    assert request.settings.test_command == JEST_COMMAND
    assert request.setup == ("npm ci",)
    assert request.dependency_files == ("package.json", "package-lock.json")


def test_a_chosen_test_command_wins_over_the_detected_one(tmp_path):
    repo = jest_repo(tmp_path)
    settings = resolve_settings(repo, options={}, env={"REDFIX_TEST_CMD": "npx vitest run"})
    assert fix_request(repo, settings).settings.test_command == ("npx", "vitest", "run")


def test_a_python_repository_keeps_pytest(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    settings = resolve_settings(tmp_path, options={}, env={})
    request = fix_request(tmp_path, settings)
    assert request.settings == settings
    assert request.settings.test_command == ("python", "-m", "pytest")


def test_the_starter_config_of_a_jest_repository_reads_back_as_jest(tmp_path):
    repo = jest_repo(tmp_path)
    (repo / ".github").mkdir()
    (repo / REPO_CONFIG_PATH).write_text(starter_config(repo))
    settings = resolve_settings(repo, options={}, env={})
    assert settings.test_command == JEST_COMMAND
    assert settings.setup == ("npm ci",)
    assert fix_request(repo, settings).settings.test_command == JEST_COMMAND
