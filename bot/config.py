"""Settings: command-line options over REDFIX_* variables over .github/redfix.yml over defaults.

The repository file is read from the repository being fixed; the service and the
Action read the same file from the default branch.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError

REPO_CONFIG_PATH = ".github/redfix.yml"
ConnectorKind = Literal["auto", "ollama", "openai"]
SandboxKind = Literal["auto", "docker", "local"]
LocalizerKind = Literal["auto", "hybrid", "traceback"]


class DockerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str | None = None
    memory: str | None = None
    cpus: float | None = Field(default=None, gt=0)
    pids: int | None = Field(default=None, gt=16)


class TimeoutsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tests: float | None = Field(default=None, gt=0)
    setup: float | None = Field(default=None, gt=0)
    model: float | None = Field(default=None, gt=0)


class RepoConfig(BaseModel):
    """The schema of .github/redfix.yml (documented in the README)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = None
    connector: ConnectorKind | None = None
    base_url: str | None = None
    sandbox: SandboxKind | None = None
    localizer: LocalizerKind | None = None
    max_attempts: int | None = Field(default=None, ge=1, le=10)
    candidates: int | None = Field(default=None, ge=1, le=10)
    reruns: int | None = Field(default=None, ge=1, le=20)
    test_command: str | None = None
    setup: list[str] | None = None
    allow_test_edits: bool | None = None
    regression_test: bool | None = None
    reports: list[str] | None = None
    ca_bundle: str | None = None
    docker: DockerConfig = DockerConfig()
    timeouts: TimeoutsConfig = TimeoutsConfig()


@dataclass(frozen=True)
class Settings:
    model: str = "qwen2.5-coder:1.5b"
    connector: ConnectorKind = "auto"
    base_url: str | None = None
    sandbox: SandboxKind = "auto"
    localizer: LocalizerKind = "auto"
    max_attempts: int = 3
    candidates: int = 3
    reruns: int = 3
    test_command: tuple[str, ...] = ("python", "-m", "pytest")
    setup: tuple[str, ...] | None = None  # None: detect from the repository
    allow_test_edits: bool = False
    regression_test: bool = True
    reports: tuple[str, ...] = ()
    ca_bundle: str | None = None
    image: str = "python:3.11-slim"
    memory: str = "2g"
    cpus: float = 2.0
    pids: int = 256
    test_timeout_s: float = 300.0
    setup_timeout_s: float = 900.0
    model_timeout_s: float = 900.0
    context_tokens: int = 0  # the model's context window; 0: as its server reports, else 8192
    sources: Mapping[str, str] = field(default_factory=dict)  # setting -> where it came from


ENVIRONMENT = {
    "model": "REDFIX_MODEL",
    "connector": "REDFIX_CONNECTOR",
    "base_url": "REDFIX_BASE_URL",
    "sandbox": "REDFIX_SANDBOX",
    "localizer": "REDFIX_LOCALIZER",
    "max_attempts": "REDFIX_MAX_ATTEMPTS",
    "candidates": "REDFIX_CANDIDATES",
    "reruns": "REDFIX_RERUNS",
    "test_command": "REDFIX_TEST_CMD",
    "allow_test_edits": "REDFIX_ALLOW_TEST_EDITS",
    "regression_test": "REDFIX_REGRESSION_TEST",
    "ca_bundle": "REDFIX_CA_BUNDLE",
    "image": "REDFIX_IMAGE",
    "test_timeout_s": "REDFIX_TEST_TIMEOUT",
    "model_timeout_s": "REDFIX_MODEL_TIMEOUT",
    "context_tokens": "REDFIX_CONTEXT_TOKENS",
}


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
    """The settings of a .github/redfix.yml given as text; `origin` names it in errors."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML ({exc}); fix the file or remove it") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of settings at the top level")
    try:
        return RepoConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{origin}: {problems} (see the README for the schema)") from exc


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
        "ca_bundle": config.ca_bundle,
        "image": config.docker.image,
        "memory": config.docker.memory,
        "cpus": config.docker.cpus,
        "pids": config.docker.pids,
        "test_timeout_s": config.timeouts.tests,
        "setup_timeout_s": config.timeouts.setup,
        "model_timeout_s": config.timeouts.model,
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
    choices = {
        "connector": ("auto", "ollama", "openai"),
        "sandbox": ("auto", "docker", "local"),
        "localizer": ("auto", "hybrid", "traceback"),
    }
    for name, allowed in choices.items():
        value = getattr(settings, name)
        if value not in allowed:
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
