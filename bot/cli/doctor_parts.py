"""`redfix doctor`'s view of the parts that can be off: what is on, what is off, how to turn it on.

Nothing here imports a heavy package: `find_spec` says whether it is installed, so the
doctor answers in a second even where torch is present.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.wiring.localizers import missing_knowledge

REINSTALL_HINT = (
    "a dependency of redfix is missing (a partial install): reinstall with `pip install redfix` "
    "(the CPU build of torch first: see the README)"
)


@dataclass(frozen=True)
class Part:
    name: str
    on: bool
    detail: str


def missing_modules(names: tuple[str, ...]) -> list[str]:
    return [name for name in names if importlib.util.find_spec(name) is None]


def knowledge_part(env: Mapping[str, str], data_dir: Path) -> Part:
    missing = missing_knowledge()
    if missing:
        return Part(
            "hybrid localization",
            False,
            f"off, localizing from tracebacks only: {', '.join(missing)} not importable; "
            + REINSTALL_HINT,
        )
    chroma = env.get("REDFIX_CHROMA_URL") or f"embedded in {data_dir / 'chroma'}"
    return Part(
        "hybrid localization",
        True,
        f"on: tracebacks, test calls, coverage spectrum, BM25 and MiniLM embeddings in Chroma "
        f"({chroma})",
    )


def charts_part() -> Part:
    if missing_modules(("matplotlib",)):
        return Part(
            "charts",
            False,
            "off: PNG charts of `redfix stats`, GET /stats and `redfix eval` need matplotlib; "
            "turn on with `pip install 'redfix[charts]'` (tables and JSON work without it)",
        )
    return Part("charts", True, "on (matplotlib)")


def records_part(env: Mapping[str, str], data_dir: Path) -> Part:
    url = env.get("REDFIX_DATABASE_URL", "").strip()
    if not url:
        return Part(
            "records store",
            True,
            f"SQLite at {data_dir / 'redfix.db'} (one machine; set REDFIX_DATABASE_URL="
            "postgresql://... to share it between workers)",
        )
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}"
    if parts.scheme.startswith("postgres") and missing_modules(("psycopg",)):
        missing = f"{where}: psycopg is not importable; {REINSTALL_HINT}"
        return Part("records store", False, missing)
    return Part("records store", True, f"{where}{parts.path}")  # never the password


def queue_part(env: Mapping[str, str]) -> Part:
    url = env.get("REDFIX_REDIS_URL", "").strip()
    if not url:
        return Part(
            "job queue",
            True,
            "in-process SQLite queue (one machine; set REDFIX_REDIS_URL to run separate "
            "`redfix worker` processes)",
        )
    parts = urlsplit(url)
    return Part("job queue", True, f"Redis at {parts.hostname}:{parts.port or 6379}")


def parts(env: Mapping[str, str], data_dir: Path) -> list[Part]:
    return [
        knowledge_part(env, data_dir),
        charts_part(),
        records_part(env, data_dir),
        queue_part(env),
    ]
