"""A whole file written back, for a language whose code blocks are not cut into
definitions (everything but Python): the one fenced block of the file's language (or
untagged) becomes one edit that replaces the file's whole text.

Only the whole-file question reads answers this way (it showed the file whole and
asked for it whole); anywhere else a block of code may be a fragment, and replacing
a file with a fragment would delete the rest of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.languages.registry import language_of_fence, language_of_path
from bot.core.models import EditKind, FileEdit
from bot.stages.apply.markdown import Fence, find_fences, path_from_line, path_in_fence_info
from bot.stages.apply.search_replace import opens_block
from bot.stages.apply.unified import looks_like_diff


def whole_file_edit(text: str, *, path: str, source: str) -> FileEdit | None:
    """The edit that makes `path` (now `source`) what the answer's block says, or None
    when the answer holds no single block of the file's language (or several)."""
    language = language_of_path(path)
    if language is None or language.name == "python":
        return None
    lines = text.splitlines()
    blocks = [fence for fence in find_fences(lines)
              if fence.end < len(lines) and _is_code_of(fence, lines, language.name)]
    if len(blocks) != 1 or not _names_only(blocks[0], lines, path):
        return None
    body = _without_name_line([lines[index] for index in blocks[0].body], path)
    rewritten = "".join(f"{line}\n" for line in body)
    if not rewritten.strip() or rewritten == source:
        return None
    return FileEdit(path=path, kind=EditKind.SEARCH_REPLACE, search=source, replace=rewritten)


def _is_code_of(fence: Fence, lines: Sequence[str], language: str) -> bool:
    tagged = language_of_fence(fence.language) if fence.language else None
    if fence.language and (tagged is None or tagged.name != language):
        return False
    body = [lines[index] for index in fence.body]
    return not looks_like_diff(body) and not any(opens_block(line) for line in body)


def _names_only(fence: Fence, lines: Sequence[str], path: str) -> bool:
    """Whether the block names no file, or `path` (or its tail): a block written for
    another file is never written over this one."""
    first = lines[fence.start + 1].lstrip() if fence.start + 1 < fence.end else ""
    named = path_in_fence_info(fence.info) or (
        path_from_line(first) if first.startswith("//") else None)
    return named is None or ("/" + path).endswith("/" + named.removeprefix("./"))


def _without_name_line(body: list[str], path: str) -> list[str]:
    """The block without a first comment that only names the file (`// file: a.js`)."""
    if body and body[0].lstrip().startswith("//") and path_from_line(body[0]) is not None:
        return body[1:]
    return body
