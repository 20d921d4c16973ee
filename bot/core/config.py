"""Settings: command-line options over REDFIX_* variables over .github/redfix.yml over defaults.

The repository file is read from the repository being fixed; the service and the
Action read the same file from the default branch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
