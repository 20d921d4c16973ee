""".github/redfix.yml that explains itself: its JSON Schema, each problem with its key and
line, and a commented starter file written from what the repository's files say."""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.core.config import REPO_CONFIG_PATH, RepoConfig, Settings
from bot.core.languages.registry import detect_project

Location = tuple[int | str, ...]


@dataclass(frozen=True)
class ConfigProblem:
    key: str  # dotted, e.g. docker.cpus; empty for the file as a whole
    line: int | None  # 1-based, where the key (or the YAML error) is
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.what}"

    @property
    def what(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


def config_schema() -> dict[str, Any]:
    """The JSON Schema of .github/redfix.yml, from the model that validates it."""
    schema = RepoConfig.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": REPO_CONFIG_PATH,
    }


def config_problems(text: str) -> list[ConfigProblem]:
    """Every problem of a .github/redfix.yml, empty when it is valid."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return [ConfigProblem("", line, f"not valid YAML: {problem}")]
    if data is None:
        return []
    if not isinstance(data, dict):
        return [ConfigProblem("", 1, "expected a mapping of settings at the top level")]
    try:
        RepoConfig.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(error, root) for error in exc.errors()]
        return sorted(problems, key=lambda problem: problem.line or 0)
    return []


def _problem(error: Any, root: yaml.Node | None) -> ConfigProblem:
    location: Location = tuple(error["loc"])
    key = ".".join(str(part) for part in location)
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        message = _unknown_key_message(location)
    return ConfigProblem(key, _line_of(root, location), message)


def _unknown_key_message(location: Location) -> str:
    model: type[BaseModel] = RepoConfig
    for part in location[:-1]:
        annotation = model.model_fields[str(part)].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    known = sorted(model.model_fields)
    close = difflib.get_close_matches(str(location[-1]), known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"unknown setting; {hint}the settings here are: {', '.join(known)}"


def _line_of(node: yaml.Node | None, location: Location) -> int | None:
    """The line of the key at `location` (or of the deepest part of it that exists)."""
    line = None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if found is None:
                return line
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def starter_config(repo: Path) -> str:
    """A commented .github/redfix.yml for `repo`: what its files say about running its
    tests, then every other setting commented out at its default."""
    detected = detect_project(repo)
    defaults = Settings()
    lines = [
        "# redfix's settings for this repository; every key may be omitted.",
        "# The command line and REDFIX_* variables override them; the App and the Action",
        "# read this file from the default branch. `redfix config check` checks it;",
        "# `redfix config schema` prints its JSON Schema, for editors.",
        "",
        *(f"# {reason}" for reason in detected.reasons),
        _setting("test_command", shlex.join(detected.test_command)),
    ]
    if detected.setup:
        lines.append(_setting("setup", None))
        lines.extend(f"  - {_scalar(command)}" for command in detected.setup)
    lines += [
        "",
        _setting("reports", None, commented=True),
        "#   - reports/**/*.xml",
        _setting("model", defaults.model, commented=True),
        _setting("connector", defaults.connector, commented=True),
        _setting("sandbox", defaults.sandbox, commented=True),
        _setting("max_attempts", defaults.max_attempts, commented=True),
        _setting("reruns", defaults.reruns, commented=True),
        _setting("allow_test_edits", defaults.allow_test_edits, commented=True),
        _setting("regression_test", defaults.regression_test, commented=True),
        "",
        "# How much the App does here, and where (see the README's \"Rolling out redfix\"):",
        _setting("mode", defaults.mode, commented=True),
        _setting("max_open_pulls", defaults.max_open_pulls, commented=True),
        _setting("max_jobs_per_day", defaults.max_jobs_per_day, commented=True),
        _setting("max_attempts_per_failure", defaults.max_attempts_per_failure, commented=True),
        _setting("never_touch", None, commented=True),
        "#   - migrations/",
    ]
    return "\n".join(lines) + "\n"


def _setting(name: str, value: object, *, commented: bool = False) -> str:
    described = RepoConfig.model_fields[name].description or ""
    text = f"{name}:" if value is None else f"{name}: {_scalar(value)}"
    return f"{'# ' if commented else ''}{text:<40} # {described}"


def _scalar(value: object) -> str:
    """`value` as one line of YAML (quoted when YAML would read it otherwise)."""
    return yaml.safe_dump(value, default_flow_style=True, width=1_000).removesuffix(
        "\n...\n"
    ).strip()
