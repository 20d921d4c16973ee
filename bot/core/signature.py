"""A stable fingerprint of one failure, the same wherever and whenever it happened.

Two runs of the same broken test on different machines differ in everything that
is not the bug: temp directories, checkout paths, line numbers after an unrelated
edit, object addresses, UUIDs, timestamps, durations and run counts. The signature
hashes the test's identity, the kind of failure, the exception type, the message
with those details replaced by placeholders, and the trace with every number and
directory removed (a trace's numbers are line numbers, addresses and counters;
the values an assertion compared are in the message, where numbers are kept).
"""

from __future__ import annotations

import hashlib
import re

SIGNATURE_LENGTH = 16
_MESSAGE_CHARS = 4096

# CSI and OSC escape sequences and lone two-byte escapes; then the SGR remnants
# (`[31m`) that reporters leave behind when they drop the ESC byte XML forbids.
_ANSI_ESCAPE = re.compile(
    r"[\x1b\u241b](?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\u241b]*(?:\x07|[\x1b\u241b]\\)?|[@-_])?"
)
_ORPHAN_SGR = re.compile(r"\[(?:[0-9]|[1-9][0-9]|10[0-7])(?:;[0-9]{1,3})*m")

_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_TEMP_PATH = re.compile(
    r"(?:/private)?/var/folders/[^\s'\"():,]+|/tmp/[^\s'\"():,]+"
    r"|[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\[^\s'\"():,]+",
    re.IGNORECASE,
)
# Directories of a path, POSIX or Windows: the file name stays, where the
# checkout happened to be goes.
_POSIX_DIRECTORIES = re.compile(r"/(?:[^\s/:'\"()<>,]+/)+")
_WINDOWS_DIRECTORIES = re.compile(r"[A-Za-z]:\\(?:[^\s\\:'\"()<>,]+\\)+")
_UUID_HINT = re.compile(r"-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-")
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")

# In messages numbers may be the values an assertion compared, so only the
# numbers that vary between runs of the same failure are replaced. Order
# matters: timestamps before bare times, paths before the line numbers after them.
_MESSAGE_PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?)?"
        ),
        "<time>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"(\.[A-Za-z][A-Za-z0-9]{0,7})(?::\d+)+"), r"\1:N"),
    (re.compile(r"(\.[A-Za-z][A-Za-z0-9]{0,7})\(\d+\)"), r"\1(N)"),
    (re.compile(r"\bline[ =:]\s*\d+", re.IGNORECASE), "line N"),
    (
        re.compile(
            r"\b\d+(?:\.\d+)?\s?(?:ms|µs|us|ns|s|secs?|seconds?|mins?|minutes?)\b",
            re.IGNORECASE,
        ),
        "<duration>",
    ),
    (
        re.compile(
            r"\b\d+ (passed|failed|errors?|skipped|ignored|measured|filtered out|deselected"
            r"|xfailed|xpassed|warnings?|tests?|runs?|attempts?|retries|reruns?)\b",
            re.IGNORECASE,
        ),
        r"N \1",
    ),
    (
        re.compile(
            r"\b(attempt|run|rerun|retry|try|iteration|pid|seed)[ #:=]*\d+(?:\s*(?:of|/)\s*\d+)?",
            re.IGNORECASE,
        ),
        r"\1 N",
    ),
    (re.compile(r"\[truncated \d+ characters\]"), "[truncated]"),
)

_EXCEPTION_NAME = (
    r"[A-Za-z_][\w.$]*(?:Error|Exception|Failure|Failed|Warning|Exit|Interrupt|Timeout"
    r"|Fault|Violation|Mismatch)|Error|Exception"
)
_EXCEPTION_LINE = re.compile(
    rf"\s*(?:E\s+)?(?:Caused by: |Unhandled exception\. )?({_EXCEPTION_NAME})\b(?=\s*:|\s*$)"
)


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor codes, including orphaned `[31m` remnants.

    U+241B (the symbol for ESC) counts as ESC: the report reader puts it in
    place of the ESC bytes XML forbids.
    """
    if "\x1b" in text or "\u241b" in text:
        text = _ANSI_ESCAPE.sub("", text)
    return _ORPHAN_SGR.sub("", text) if "[" in text else text


def normalise_message(text: str) -> str:
    """The message with what differs between runs of the same failure replaced."""
    text = _common_placeholders(text[:_MESSAGE_CHARS])
    for pattern, replacement in _MESSAGE_PLACEHOLDERS:
        text = pattern.sub(replacement, text)
    return _stripped_lines(text)


def normalise_trace(text: str) -> str:
    """The trace without directories, addresses and temp paths, every number a 0."""
    return _stripped_lines(_zero_numbers(_common_placeholders(text)))


def _zero_numbers(text: str) -> str:
    # Bytes operations, not a regex: traces hold hundreds of numbers, and this
    # runs for every failing case of reports with thousands of them.
    data = text.encode("utf-8", "surrogatepass").translate(_DIGITS_TO_ZERO)
    while b"00" in data:
        data = data.replace(b"00", b"0")
    return data.decode("utf-8", "surrogatepass")


def _common_placeholders(text: str) -> str:
    text = strip_ansi(text).replace("\r\n", "\n").replace("\r", "\n")
    if _UUID_HINT.search(text):
        text = _UUID.sub("<uuid>", text)
    text = _HEX_ADDRESS.sub("0x<addr>", text)
    if "/tmp/" in text or "/var/folders/" in text or "\\Temp\\" in text:  # noqa: S108 (reads text)
        text = _TEMP_PATH.sub("<tmp>", text)
    text = _POSIX_DIRECTORIES.sub("/", text)
    if ":\\" in text:
        text = _WINDOWS_DIRECTORIES.sub("", text)
    return text


def _stripped_lines(text: str) -> str:
    return "\n".join(filter(None, map(str.strip, text.split("\n"))))


def exception_type(message: str, traceback: str) -> str:
    """The exception (or panic) a failure reports, or "" when none is named."""
    for text in (message, traceback):
        for line in strip_ansi(text).split("\n"):
            found = _EXCEPTION_LINE.match(line)
            if found:
                return found.group(1)
    for text in (message, traceback):
        if "panicked at" in text or text.startswith("panic: ") or "\npanic: " in text:
            return "panic"
    return ""


def failure_signature(*, kind: str, message: str, traceback: str, classname: str, name: str) -> str:
    """A short hex digest identifying this failure of this test across runs and machines."""
    parts = (
        classname,
        name,
        kind,
        exception_type(message, traceback),
        normalise_message(message),
        normalise_trace(traceback),
    )
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8", "replace"), usedforsecurity=False)
    return digest.hexdigest()[:SIGNATURE_LENGTH]
