"""Settings: command-line options over REDFIX_* variables over .github/redfix.yml over defaults.

The repository file is read from the repository being fixed; the service and the
Action read the same file from the default branch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

REPO_CONFIG_PATH = ".github/redfix.yml"
ConnectorKind = Literal["auto", "ollama", "openai"]
SandboxKind = Literal["auto", "docker", "local"]
LocalizerKind = Literal["auto", "hybrid", "traceback"]
PublishMode = Literal["pull_request", "comment"]
Task = Literal["fix", "explain", "regression_test"]
TASKS: tuple[Task, ...] = ("fix", "explain", "regression_test")
MODEL_SETTINGS = ("model", "connector", "base_url")  # what a task may set for itself


class DockerConfig(BaseModel):
    """The Docker sandbox the tests run in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str | None = Field(default=None, description="base image of the sandbox")
    memory: str | None = Field(default=None, description="memory limit, e.g. 2g")
    cpus: float | None = Field(default=None, gt=0, description="CPU limit")
    pids: int | None = Field(default=None, gt=16, description="most processes at once")


class TimeoutsConfig(BaseModel):
    """Time limits, in seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tests: float | None = Field(default=None, gt=0, description="one run of the test command")
    setup: float | None = Field(default=None, gt=0, description="installing the dependencies")
    model: float | None = Field(default=None, gt=0, description="one answer of the model")


class TaskModelConfig(BaseModel):
    """The model one task asks; each key left out is the top-level one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = Field(default=None, description="the model's name on its server")
    connector: ConnectorKind | None = Field(default=None, description="the model server's API")
    base_url: str | None = Field(default=None, description="the model server's address")


class TasksConfig(BaseModel):
    """A model per task; the top-level model, connector and base_url serve the others."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fix: TaskModelConfig = TaskModelConfig()
    explain: TaskModelConfig = Field(
        default=TaskModelConfig(),
        description="`/redfix explain` and the pull request's explanation of a fix",
    )
    regression_test: TaskModelConfig = Field(
        default=TaskModelConfig(), description="writing the regression test of a fix"
    )


class RepoConfig(BaseModel):
    """The schema of .github/redfix.yml (documented in the README); every key may be
    omitted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = Field(default=None, description="the model's name on its server")
    connector: ConnectorKind | None = Field(default=None, description="the model server's API")
    base_url: str | None = Field(
        default=None, description="Ollama's address, or the /v1 URL of an OpenAI-compatible server"
    )
    sandbox: SandboxKind | None = Field(default=None, description="where the tests run")
    localizer: LocalizerKind | None = Field(
        default=None, description="hybrid (index and coverage) or traceback-only fault localization"
    )
    max_attempts: int | None = Field(default=None, ge=1, le=10, description="rounds of fixing")
    candidates: int | None = Field(default=None, ge=1, le=10, description="candidates per round")
    reruns: int | None = Field(
        default=None, ge=1, le=20, description="runs of a failing test before it counts as real"
    )
    test_command: str | None = Field(
        default=None, description="the command that runs the tests; {report} marks the JUnit path"
    )
    setup: list[str] | None = Field(
        default=None, description="commands that install the dependencies (cached per their files)"
    )
    allow_test_edits: bool | None = Field(
        default=None, description="whether a fix may change an existing test"
    )
    regression_test: bool | None = Field(
        default=None, description="whether a fix comes with a new test that fails before it"
    )
    reports: list[str] | None = Field(
        default=None, description="globs of the JUnit reports CI writes (App and Action)"
    )
    ca_bundle: str | None = Field(
        default=None, description="extra CA bundle for dependency downloads"
    )
    enabled: bool | None = Field(
        default=None, description="false: the App acts on no build of this repository"
    )
    mode: PublishMode | None = Field(
        default=None, description="comment: the App posts a validated fix as a comment, never a PR"
    )
    draft: bool | None = Field(
        default=None, description="the App opens its pull requests as drafts"
    )
    max_open_pulls: int | None = Field(
        default=None, ge=0, le=100,
        description="most open redfix pull requests at once; 0: no cap (default 5)",
    )
    max_jobs_per_day: int | None = Field(
        default=None, ge=0, le=10000,
        description="most fix runs the App starts here in 24 hours; 0: no cap (default 20)",
    )
    max_attempts_per_failure: int | None = Field(
        default=None, ge=0, le=100,
        description="runs on one failure that found no fix before the App stops retrying it, "
        "until a file it pointed at changes; 0: no cap (default 2)",
    )
    never_touch: list[str] | None = Field(
        default=None, description="globs of paths a fix may never change (e.g. migrations/**)"
    )
    branches: list[str] | None = Field(
        default=None, description="globs of the branches whose builds the App acts on (all)"
    )
    workflows: list[str] | None = Field(
        default=None, description="globs of the workflow or check names the App acts on (all)"
    )
    docker: DockerConfig = DockerConfig()
    timeouts: TimeoutsConfig = TimeoutsConfig()
    tasks: TasksConfig = TasksConfig()


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
    enabled: bool = True
    mode: PublishMode = "pull_request"
    draft: bool = False
    max_open_pulls: int = 5  # 0: no cap
    max_jobs_per_day: int = 20  # 0: no cap
    max_attempts_per_failure: int = 2  # 0: no cap
    never_touch: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()  # empty: every branch
    workflows: tuple[str, ...] = ()  # empty: every workflow
    context_tokens: int = 0  # the model's context window; 0: as its server reports, else 8192
    # A model per task (None: the one above): `<task>_model`, `<task>_connector`, ...
    fix_model: str | None = None
    fix_connector: ConnectorKind | None = None
    fix_base_url: str | None = None
    explain_model: str | None = None
    explain_connector: ConnectorKind | None = None
    explain_base_url: str | None = None
    regression_test_model: str | None = None
    regression_test_connector: ConnectorKind | None = None
    regression_test_base_url: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)  # setting -> where it came from

    def for_task(self, task: Task) -> Settings:
        """These settings with the task's own model, connector and base URL where it has one."""
        own = {name: getattr(self, f"{task}_{name}") for name in MODEL_SETTINGS}
        return replace(self, **{name: value for name, value in own.items() if value is not None})


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
    **{f"{task}_{name}": f"REDFIX_{task.upper()}_{name.upper()}"
       for task in TASKS for name in MODEL_SETTINGS},
}
