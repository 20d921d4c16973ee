"""Suite files of one JSON object per line, read with errors that name the line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.core.errors import UsageError

Record = dict[str, Any]


def jsonl_records(
    path: Path, *, what: str, how_to_fix: str = ""
) -> Iterator[tuple[str, Record]]:
    """(`path:line`, record) for each non-blank line; `what` names the file in errors."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the {what} ({exc.strerror}){how_to_fix}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{path}:{number}: not a JSON object ({exc})") from exc
        if not isinstance(record, dict):
            raise UsageError(f"{path}:{number}: expected a JSON object per line")
        yield f"{path}:{number}", record
