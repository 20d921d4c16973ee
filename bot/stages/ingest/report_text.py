"""Report bytes as clean text for the XML parser: encodings, size limit, forbidden characters.

Test output is full of what XML 1.0 forbids (ANSI escapes, control characters) and of
bytes in no declared encoding; this turns any of it into text expat accepts, in chunks,
without ever holding the whole file.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

from bot.core.errors import ReportError

_CHUNK_BYTES = 1 << 20
_HOLD_BACK_CHARS = 64
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)

_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# What XML 1.0 forbids but test output is full of. ESC (raw or as a character
# reference) becomes U+241B, a visible stand-in that XML allows; the colour codes
# it starts are removed later, from the little text that is kept. Other control
# characters, and references to them or to non-characters, are dropped.
_ESC_STAND_IN = "\u241b"
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\ufffe\uffff]")
_FORBIDDEN_REFERENCES = re.compile(
    r"&#0*(?:[0-8]|1[124-9]|2[0-9]|3[01]"
    r"|5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3]|6553[45]);"
    r"|&#[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]);"
)
_ESC_REFERENCE = re.compile(r"&#(?:0*27|[xX]0*1[bB]);")
# Bytes that are not forbidden control characters; deleting them from a chunk of
# an ASCII-compatible encoding leaves nothing unless the chunk needs cleaning.
_NOT_FORBIDDEN_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D, 0x1B))
_CONTROL_CHARACTERS = "".join(map(chr, range(0x20)))


def check_size(size: int, *, source: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise ReportError(
            source,
            f"is {size} bytes, over the {max_bytes}-byte limit for test reports; "
            "raise the limit if the report is genuine, or split the test run",
        )


class SafeText:
    """A read-only text stream over report bytes, cleaned for the XML parser.

    Decodes with the BOM's or the declared encoding (UTF-8 otherwise), replacing
    undecodable bytes, and drops what XML 1.0 forbids. (Fed text, expat ignores
    the encoding declaration.) Refuses a stream that outgrows `max_bytes`.
    """

    def __init__(self, stream: BinaryIO, *, source: str, max_bytes: int) -> None:
        self._stream = stream
        self._source = source
        self._max_bytes = max_bytes
        self._bytes_read = 0
        self._decoder: codecs.IncrementalDecoder | None = None
        self._bytes_show_controls = False  # control characters are single equal bytes
        self._carry = ""
        self._carry_needs_scrub = False
        self._finished = False
        self._pending = ""
        self._offset = 0

    def read(self, size: int = -1) -> str:
        """At most `size` characters (all that is decoded when negative); "" at the end.

        Honouring `size` keeps what the parser sees per call small, so the elements one
        call creates (and the work of dropping them one by one) stay bounded too.
        """
        while self._offset >= len(self._pending):
            if self._finished:
                return ""
            self._pending, self._offset = self._next_text(), 0
        end = len(self._pending) if size < 0 else self._offset + size
        text = self._pending[self._offset : end]
        self._offset += len(text)
        return text

    def _next_text(self) -> str:
        raw = self._read_raw()
        if self._decoder is None:
            encoding = _encoding_of(raw)
            self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
            self._bytes_show_controls = _is_ascii_compatible(encoding)
            text = self._decoder.decode(raw, final=not raw)
            text = _check_xml_start(text, source=self._source, at_end=not raw)
        else:
            text = self._carry + self._decoder.decode(raw, final=not raw)
        needs_scrub = self._carry_needs_scrub or _may_hold_controls(
            raw, bytes_show_controls=self._bytes_show_controls
        )
        # Keep back a character reference the chunk edge may have cut.
        edge = text.rfind("&", -_HOLD_BACK_CHARS) if raw else -1
        cut = edge if edge >= 0 else len(text)
        self._carry, self._carry_needs_scrub = text[cut:], needs_scrub
        self._finished = not raw
        return _without_forbidden(text[:cut], scrub_controls=needs_scrub)

    def _read_raw(self) -> bytes:
        raw = self._stream.read(_CHUNK_BYTES)
        self._bytes_read += len(raw)
        check_size(self._bytes_read, source=self._source, max_bytes=self._max_bytes)
        return raw


def _may_hold_controls(raw: bytes, *, bytes_show_controls: bool) -> bool:
    if not bytes_show_controls:
        return True
    return (
        bool(raw.translate(None, _NOT_FORBIDDEN_BYTES))
        or b"\xef\xbf\xbe" in raw
        or (b"\xef\xbf\xbf" in raw)
    )


def _without_forbidden(text: str, *, scrub_controls: bool) -> str:
    if "\x1b" in text:
        text = text.replace("\x1b", _ESC_STAND_IN)
    if scrub_controls:
        text = _FORBIDDEN_CHARACTERS.sub("", text)
    if _FORBIDDEN_REFERENCES.search(text):
        text = _FORBIDDEN_REFERENCES.sub(_replace_reference, text)
    return text


def _replace_reference(match: re.Match[str]) -> str:
    return _ESC_STAND_IN if _ESC_REFERENCE.fullmatch(match.group()) else ""


def _encoding_of(head: bytes) -> str:
    """The BOM's encoding, else the declared one if Python knows it, else UTF-8."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    declared = _DECLARED_ENCODING.match(head[:1024])
    if declared is None:
        return "utf-8"
    # The declaration was readable as ASCII, so only an ASCII-compatible text
    # encoding can be true (not UTF-16, not rot13 or base64).
    name = declared.group(1).decode("ascii")
    return codecs.lookup(name).name if _is_ascii_compatible(name) else "utf-8"


def _is_ascii_compatible(encoding: str) -> bool:
    """Whether `encoding` is a text encoding writing ASCII as ASCII (BOM aside)."""
    try:
        encoded = _CONTROL_CHARACTERS.encode(encoding).removeprefix(codecs.BOM_UTF8)
    except (UnicodeError, LookupError):  # unknown, or not a text encoding
        return False
    return encoded == _CONTROL_CHARACTERS.encode("ascii")


def _check_xml_start(text: str, *, source: str, at_end: bool) -> str:
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped and at_end:
        raise ReportError(
            source,
            "is empty: the test run probably stopped before writing its report; "
            "re-run the tests, or check the report path",
        )
    if stripped and not stripped.startswith("<"):
        head = stripped[:24]
        binary = "\ufffd" in head or not head.replace("\n", " ").replace("\t", " ").isprintable()
        start = "binary data" if binary else repr(head)
        raise ReportError(
            source,
            f"is not XML (it starts with {start}); pass the JUnit XML file "
            "the test runner wrote, e.g. from pytest --junitxml=report.xml",
        )
    return stripped
