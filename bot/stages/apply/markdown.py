"""Reading the markdown around edits: fenced blocks and lines that name a file."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")
_PATH_TOKEN = re.compile(r"^[\w.\-/+@]+$")
_EXTENSION = re.compile(r"\.([A-Za-z0-9_]{1,10})$")
# Without a '/', a dotted word is a file name only with a familiar extension
# (`calc.py` is a file, `self.items` is not).
_SOURCE_EXTENSIONS = frozenset(
    {
        "py",
        "pyi",
        "js",
        "mjs",
        "cjs",
        "ts",
        "jsx",
        "tsx",
        "go",
        "rs",
        "java",
        "kt",
        "rb",
        "php",
        "c",
        "h",
        "cc",
        "cpp",
        "hpp",
        "cs",
        "swift",
        "scala",
        "sh",
        "toml",
        "yml",
        "yaml",
        "json",
        "cfg",
        "ini",
        "txt",
        "md",
        "rst",
        "html",
        "css",
        "sql",
        "lock",
    }
)
_LABEL = re.compile(r"^(?:file(?:name)?|path)\s*[:=]\s*", re.IGNORECASE)
_BACKTICKED = re.compile(r"`([^`\s]+)`")


@dataclass(frozen=True)
class Fence:
    """A fenced block: `start` is the opening fence line, `end` the closing one.

    An unclosed fence (a model that stopped early) ends after the last line, so
    `end == len(lines)`.
    """

    start: int
    end: int
    info: str

    @property
    def body(self) -> range:
        return range(self.start + 1, self.end)

    @property
    def language(self) -> str:
        first = self.info.split(maxsplit=1)[0] if self.info else ""
        return first.split(":", 1)[0].casefold()


def find_fences(lines: Sequence[str]) -> tuple[Fence, ...]:
    fences: list[Fence] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        marker = opening.group(1)
        end = _closing_fence(lines, index + 1, marker=marker)
        fences.append(Fence(start=index, end=end, info=opening.group(2)))
        index = end + 1
    return tuple(fences)


def _closing_fence(lines: Sequence[str], start: int, *, marker: str) -> int:
    for index in range(start, len(lines)):
        closing = _FENCE.match(lines[index])
        if (
            closing is not None
            and not closing.group(2)
            and closing.group(1)[0] == marker[0]
            and len(closing.group(1)) >= len(marker)
        ):
            return index
    return len(lines)


def is_fence_line(line: str) -> bool:
    return _FENCE.match(line) is not None


def looks_like_path(token: str) -> bool:
    if not token or not _PATH_TOKEN.match(token) or token.startswith(("http", "-")):
        return False
    if set(token) <= {".", "/"}:
        return False
    extension = _EXTENSION.search(token)
    if extension is None:
        return False
    return "/" in token or extension.group(1).casefold() in _SOURCE_EXTENSIONS


def path_from_line(line: str) -> str | None:
    """The file a line names when the whole line is a file name (with decorations).

    Accepts what models write: `src/a.py`, **src/a.py**, # src/a.py, File: src/a.py,
    `// a.js`, a trailing colon.
    """
    text = line.strip()
    for prefix in ("#", "//", "--", ">"):
        if text.startswith(prefix):
            text = text.lstrip(prefix[0]).strip()  # `### src/a.py` as a heading, too
            break
    text = _LABEL.sub("", _without_emphasis(text)).strip()
    text = text.rstrip(":").strip().strip("`'\"*").strip()
    text = _LABEL.sub("", text).strip()
    return text if looks_like_path(text) else None


def _without_emphasis(text: str) -> str:
    """`**a.py**` and `__a.py__` without their emphasis; `__tests__/a.js` and
    `__init__.py` keep their underscores (they are not around the whole name)."""
    text = text.strip("* ")
    lead = len(text) - len(text.lstrip("_"))
    trail = len(text) - len(text.rstrip("_"))
    cut = min(lead, trail)
    return text[cut : len(text) - cut].strip("* ") if cut else text


def path_mentioned_in(line: str) -> str | None:
    """The one backticked file name in a line of prose (`In `src/a.py`, change:`)."""
    tokens = {token.rstrip(":.,") for token in _BACKTICKED.findall(line)}
    paths = [token for token in tokens if looks_like_path(token)]
    return paths[0] if len(paths) == 1 else None


def path_in_fence_info(info: str) -> str | None:
    """`python:src/a.py`, `src/a.py` or `python src/a.py` as a fence's info string."""
    for token in re.split(r"[\s:]+", info.strip()):
        if looks_like_path(token):
            return token
    return None
