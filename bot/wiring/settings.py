"""Settings for one fix, resolved once for every entry point: the repository's
.github/redfix.yml, then the environment, then the command line (or the Action's
inputs); every value remembers where it came from."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from bot.core.config import (
    ENVIRONMENT,
    MODEL_SETTINGS,
    REPO_CONFIG_PATH,
    TASKS,
    RepoConfig,
    Settings,
)
from bot.core.errors import ConfigError
from bot.wiring.config_file import config_problems


def load_repo_config(repo: Path) -> RepoConfig:
    path = repo / REPO_CONFIG_PATH
    if not path.is_file():
        return RepoConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}); fix the file or remove it") from exc
    return parse_repo_config(text, origin=str(path))


def parse_repo_config(text: str, *, origin: str) -> RepoConfig:
    """The settings of a .github/redfix.yml given as text; `origin` names it in errors,
    which give each problem's key and line."""
    problems = config_problems(text)
    if problems:
        listed = "; ".join(str(problem) for problem in problems)
        raise ConfigError(
            f"{origin}: {listed} (`redfix config check` lists the problems; the README has "
            "every setting)"
        )
    return RepoConfig.model_validate(yaml.safe_load(text) or {})


def _flatten(config: RepoConfig) -> dict[str, Any]:
    values: dict[str, Any] = {
        "model": config.model,
        "connector": config.connector,
        "base_url": config.base_url,
        "sandbox": config.sandbox,
        "localizer": config.localizer,
        "max_attempts": config.max_attempts,
        "candidates": config.candidates,
        "reruns": config.reruns,
        "test_command": config.test_command,
        "setup": tuple(config.setup) if config.setup is not None else None,
        "allow_test_edits": config.allow_test_edits,
        "regression_test": config.regression_test,
        "reports": tuple(config.reports) if config.reports is not None else None,
        "enabled": config.enabled,
        "draft": config.draft,
        "max_open_pulls": config.max_open_pulls,
        "max_jobs_per_day": config.max_jobs_per_day,
        "max_attempts_per_failure": config.max_attempts_per_failure,
        "never_touch": tuple(config.never_touch) if config.never_touch is not None else None,
        "mode": config.mode,
        "branches": tuple(config.branches) if config.branches is not None else None,
        "workflows": tuple(config.workflows) if config.workflows is not None else None,
        "ca_bundle": config.ca_bundle,
        "image": config.docker.image,
        "memory": config.docker.memory,
        "cpus": config.docker.cpus,
        "pids": config.docker.pids,
        "test_timeout_s": config.timeouts.tests,
        "setup_timeout_s": config.timeouts.setup,
        "model_timeout_s": config.timeouts.model,
        **{f"{task}_{name}": getattr(getattr(config.tasks, task), name)
           for task in TASKS for name in MODEL_SETTINGS},
    }
    return {name: value for name, value in values.items() if value is not None}


def _from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    return {name: env[var] for name, var in ENVIRONMENT.items() if env.get(var, "") != ""}


def _coerce(name: str, value: Any, origin: str) -> Any:
    """Turn strings from the environment or the command line into the setting's type."""
    default = getattr(Settings(), name)
    if name == "test_command" and isinstance(value, str):
        return tuple(shlex.split(value))
    if not isinstance(value, str) or isinstance(default, str) or default is None:
        return value
    try:
        if isinstance(default, bool):
            return _parse_bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except ValueError as exc:
        raise ConfigError(f"{name} from {origin}: {value!r} is not a valid value") from exc
    return value


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


def _check_choices(settings: Settings) -> None:
    choices: dict[str, tuple[str, ...]] = {
        "connector": ("auto", "ollama", "openai"),
        "sandbox": ("auto", "docker", "local"),
        "localizer": ("auto", "hybrid", "traceback"),
        "mode": ("pull_request", "comment"),
    }
    choices |= {f"{task}_connector": choices["connector"] for task in TASKS}
    for name, allowed in choices.items():
        value = getattr(settings, name)
        if value is not None and value not in allowed:  # None: a task's own, left unset
            origin = settings.sources.get(name, "default")
            raise ConfigError(f"{name}={value!r} from {origin}: choose one of {', '.join(allowed)}")
    if not settings.test_command:
        raise ConfigError("test_command is empty: give the command that runs the tests")
    if settings.context_tokens < 0:
        origin = settings.sources.get("context_tokens", "default")
        raise ConfigError(f"context_tokens={settings.context_tokens} from {origin}: give the "
                          "model's context window in tokens (e.g. 8192), or 0 to ask its server")


def resolve_settings(
    repo: Path,
    *,
    options: Mapping[str, Any],
    env: Mapping[str, str],
    config: RepoConfig | None = None,
) -> Settings:
    """Merge the layers; every value remembers where it came from.

    `config` replaces the repository file read from `repo` (the Action passes the
    default branch's, so that a pull request cannot loosen its own policy).
    """
    repo_config = load_repo_config(repo) if config is None else config
    layers: list[tuple[str, Mapping[str, Any]]] = [
        (REPO_CONFIG_PATH, _flatten(repo_config)),
        ("environment", _from_environment(env)),
        ("command line", {k: v for k, v in options.items() if v is not None}),
    ]
    known = {f.name for f in fields(Settings)} - {"sources"}
    settings, sources = Settings(), {}
    for origin, values in layers:
        for name, value in values.items():
            if name not in known:
                raise ConfigError(f"unknown setting {name!r} from {origin}")
            settings = replace(settings, **{name: _coerce(name, value, origin)})
            sources[name] = origin
    settings = replace(settings, sources=sources)
    _check_choices(settings)
    return settings


def data_dir(env: Mapping[str, str]) -> Path:
    if env.get("REDFIX_DATA_DIR"):
        return Path(env["REDFIX_DATA_DIR"])
    cache = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "redfix"
