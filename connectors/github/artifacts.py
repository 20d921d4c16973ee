"""Report files out of a workflow artifact zip, which the pull request under test wrote.

Nothing is extracted to disk: matching members are read into memory, so a `../`
or absolute name cannot place a file anywhere. Still, such names, symlinks,
encrypted members and members that inflate past the byte budget (zip bombs: the
sizes a zip declares are not trusted, the inflated bytes are counted) are
skipped, each with a sentence saying why; an archive declaring more entries than
MAX_ENTRIES is skipped before its directory is read.
"""

from __future__ import annotations

import fnmatch
import io
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from bot.core.github import ReportFile

MAX_ENTRIES = 100_000
MAX_INFLATED_BYTES = 256 * 1024 * 1024  # all matching members of one artifact together
_READ_BYTES = 1 << 20
_END_RECORD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END_RECORD = b"PK\x06\x06"
_END_SEARCH_BYTES = 22 + 0xFFFF  # the end record, then a comment of up to 64 kB


@dataclass
class Extraction:
    """What an artifact gave: the matching report files, and what was skipped and why."""

    files: list[ReportFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def unsafe_member_name(name: str) -> str | None:
    """Why a member name is not a plain relative path (None: it is)."""
    if "\0" in name or "\\" in name:
        return "has a NUL or backslash in its name"
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        return "has an absolute name"
    if ".." in path.parts:
        return "climbs out of the artifact with '..'"
    return None


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _skip_reason(info: zipfile.ZipInfo) -> str | None:
    unsafe = unsafe_member_name(info.filename)
    if unsafe is not None:
        return unsafe
    if _is_symlink(info):
        return "is a symbolic link"
    if info.flag_bits & 0x1:
        return "is encrypted"
    return None


def declared_entries(data: bytes) -> int | None:
    """The entry count the zip's end record declares (zip64 too), or None if none is found."""
    end = data.rfind(_END_RECORD, max(0, len(data) - _END_SEARCH_BYTES))
    if end < 0 or end + 22 > len(data):
        return None
    (count,) = struct.unpack_from("<H", data, end + 10)
    locator = end - 20
    if count != 0xFFFF or locator < 0 or data[locator : locator + 4] != _ZIP64_LOCATOR:
        return int(count)
    (record,) = struct.unpack_from("<Q", data, locator + 8)
    if record + 40 > len(data) or data[record : record + 4] != _ZIP64_END_RECORD:
        return None
    (count64,) = struct.unpack_from("<Q", data, record + 32)
    return int(count64)


def _matches(path: str, globs: tuple[str, ...]) -> bool:
    candidates = (path, path.rsplit("/", 1)[-1])
    return any(fnmatch.fnmatch(c, g) for g in globs for c in candidates)


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, budget: int) -> bytes | None:
    """The member's bytes, or None once they pass `budget` (counted, not declared)."""
    data = bytearray()
    with archive.open(info) as member:
        while chunk := member.read(_READ_BYTES):
            data += chunk
            if len(data) > budget:
                return None
    return bytes(data)


def matching_members(
    artifact: str,
    data: bytes,
    globs: tuple[str, ...],
    *,
    max_inflated_bytes: int = MAX_INFLATED_BYTES,
    max_entries: int = MAX_ENTRIES,
) -> Extraction:
    """The members of the zip `data` whose paths match `globs`, read within the limits."""
    found = Extraction()
    declared = declared_entries(data)
    if declared is not None and declared > max_entries:
        # Checked before zipfile reads the central directory: it builds one ZipInfo per
        # entry, so millions of tiny entries would be a memory bomb of their own.
        found.skipped.append(
            f"{artifact}: skipped, it declares {declared} entries, over the limit of "
            f"{max_entries}; upload the test reports as an artifact of their own"
        )
        return found
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        found.skipped.append(f"{artifact}: not a readable zip archive ({exc})")
        return found
    budget = max_inflated_bytes
    for info in archive.infolist()[:max_entries]:
        if info.is_dir() or not _matches(info.filename, globs):
            continue
        name = f"{artifact}/{info.filename}"
        content, reason = _read_member(archive, info, budget=budget)
        if content is None:
            found.skipped.append(f"{name}: skipped, it {reason}")
            continue
        budget -= len(content)
        found.files.append(ReportFile(name, content))
    return found


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, budget: int
) -> tuple[bytes | None, str]:
    reason = _skip_reason(info)
    if reason is not None:
        return None, reason
    if info.file_size > budget:  # an honest bomb, refused before a byte is inflated
        return None, _over_budget(budget)
    try:
        content = _inflate(archive, info, budget=budget)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, EOFError,
            OSError) as exc:  # damaged data, unknown compression, a bad CRC
        return None, f"cannot be read ({exc})"
    if content is None:  # the declared size lied
        return None, _over_budget(budget)
    return content, ""


def _over_budget(budget: int) -> str:
    return (
        f"inflates past the {budget} bytes left of the budget for an artifact's reports "
        "(a zip bomb, or reports too big to read)"
    )
