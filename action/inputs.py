"""The step's inputs, as the runner passes them: INPUT_<NAME> variables.

GitHub upper-cases the input's name, replaces spaces with underscores and keeps
dashes (`github-token` -> INPUT_GITHUB-TOKEN). Shells cannot set names with
dashes, so the underscore spelling (INPUT_GITHUB_TOKEN) is read as well; the
composite action passes that one. Values are trimmed, as actions/toolkit does.
An empty value means "not given": .github/redfix.yml or redfix's default decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.core.errors import ConfigError

CONNECTORS = ("auto", "ollama", "openai")
SANDBOXES = ("auto", "docker", "local")
TRUE_WORDS = ("true", "True", "TRUE")  # YAML 1.2 core schema, like core.getBooleanInput
FALSE_WORDS = ("false", "False", "FALSE")
MAX_ATTEMPTS_LIMIT = 10


def input_value(env: Mapping[str, str], name: str) -> str:
    """The input `name` as the runner passed it, trimmed; "" when absent."""
    documented = f"INPUT_{name.replace(' ', '_').upper()}"
    for variable in (documented, documented.replace("-", "_")):
        value = env.get(variable, "").strip()
        if value:
            return value
    return ""


def boolean_input(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = input_value(env, name)
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(f"input {name}: {value!r} is not a boolean; write true or false")


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = input_value(env, name).lower()
    if value and value not in allowed:
        raise ConfigError(f"input {name}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _url(env: Mapping[str, str], name: str) -> str:
    value = input_value(env, name)
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ConfigError(
            f"input {name}: {value!r} is not an http:// or https:// URL "
            "(e.g. http://localhost:11434 for Ollama, http://host:8080/v1 for an "
            "OpenAI-compatible server)"
        )
    return value


def _attempts(env: Mapping[str, str]) -> int | None:
    value = input_value(env, "max-attempts")
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ATTEMPTS_LIMIT:
        raise ConfigError(
            f"input max-attempts: {value!r} is not a whole number from 1 to {MAX_ATTEMPTS_LIMIT}"
        )
    return int(value)


def _globs(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r"[\n,]", value) if part.strip())


@dataclass(frozen=True)
class ActionInputs:
    reports: tuple[str, ...] = ()
    github_token: str = field(default="", repr=False)
    api_key: str = field(default="", repr=False)
    ollama_url: str = ""
    base_url: str = ""
    connector: str = ""
    model: str = ""
    test_command: str = ""
    max_attempts: int | None = None
    sandbox: str = ""
    open_pr: bool = True
    draft: bool = False

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(value for value in (self.github_token, self.api_key) if value)

    def model_server_url(self) -> str | None:
        """The one URL the connector gets: the OpenAI-compatible URL for `openai`,
        Ollama's address for `ollama`, and for `auto` base-url before ollama-url."""
        if self.connector == "openai":
            if not self.base_url:
                raise ConfigError(
                    "input base-url: connector openai needs the server's /v1 URL "
                    "(e.g. http://127.0.0.1:8080/v1)"
                )
            return self.base_url
        if self.connector == "ollama":
            return self.ollama_url or self.base_url or None
        return self.base_url or self.ollama_url or None

    def setting_options(self) -> dict[str, Any]:
        """The inputs that were given, as settings over .github/redfix.yml and REDFIX_*."""
        options: dict[str, Any] = {
            "model": self.model or None,
            "connector": self.connector or None,
            "base_url": self.model_server_url(),
            "sandbox": self.sandbox or None,
            "max_attempts": self.max_attempts,
            "test_command": self.test_command or None,
        }
        return {name: value for name, value in options.items() if value is not None}


def read_inputs(env: Mapping[str, str]) -> ActionInputs:
    """Every input, checked; a bad one raises ConfigError naming it."""
    return ActionInputs(
        reports=_globs(input_value(env, "reports")),
        github_token=input_value(env, "github-token"),
        api_key=input_value(env, "api-key"),
        ollama_url=_url(env, "ollama-url"),
        base_url=_url(env, "base-url"),
        connector=_choice(env, "connector", CONNECTORS),
        model=input_value(env, "model"),
        test_command=input_value(env, "test-command"),
        max_attempts=_attempts(env),
        sandbox=_choice(env, "sandbox", SANDBOXES),
        open_pr=boolean_input(env, "open-pr", default=True),
        draft=boolean_input(env, "draft", default=False),
    )


def raw_secrets(env: Mapping[str, str]) -> tuple[str, ...]:
    """The secret inputs as given, before any checking: masked before anything is printed."""
    return tuple(value for value in (input_value(env, "github-token"),
                                     input_value(env, "api-key")) if value)
