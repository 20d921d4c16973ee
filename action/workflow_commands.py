"""GitHub's workflow commands and environment files, written the way the runner parses them.

Commands are stdout lines `::name key=value,key=value::message`. The runner
unescapes `%25`, `%0D` and `%0A` in the message and, in property values, also
`%3A` and `%2C` (`:` and `,` would end the value). Outputs go to the file named by
GITHUB_OUTPUT: `name=value` for one line, `name<<DELIMITER` ... `DELIMITER` for
more, with a delimiter that occurs in neither the name nor the value.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

from bot.core.errors import ConfigError


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str | int | None) -> str:
    """One workflow command line; properties whose value is None or "" are left out."""
    given = {key: str(value) for key, value in properties.items() if value not in (None, "")}
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in given.items())
    return f"::{name}{' ' + rendered if rendered else ''}::{escape_data(message)}"


def error(
    message: str, *, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
    """An error annotation, attached to `file` (workspace-relative) at `line` when given."""
    return command("error", message, file=file, line=line if file else None, title=title)


def add_mask(value: str) -> str:
    """Ask the runner to print `***` wherever `value` appears in the log from now on."""
    return f"::add-mask::{escape_data(value)}"


def output_block(values: Mapping[str, str]) -> str:
    """The GITHUB_OUTPUT lines that set `values` (multi-line values with a heredoc)."""
    lines: list[str] = []
    for name, value in values.items():
        if "\n" not in value and "\r" not in value:
            lines.append(f"{name}={value}")
            continue
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        if delimiter in name or delimiter in value:  # pragma: no cover - a uuid4 collision
            raise ValueError("output delimiter collision")
        lines += [f"{name}<<{delimiter}", value, delimiter]
    return "".join(f"{line}\n" for line in lines)


def append_to(path: Path, text: str, *, variable: str) -> None:
    """Append to a runner file; a file the step may not write gets a clear error."""
    try:
        with path.open("a", encoding="utf-8") as sink:
            sink.write(text)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {variable} ({path}): {exc.strerror}. In a container step the "
            "runner's files belong to the runner's user: use the composite action "
            "(uses: OWNER/redfix@VERSION), or run the image as root"
        ) from exc
