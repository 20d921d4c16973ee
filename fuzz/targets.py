"""Fuzz targets: each takes bytes, feeds them to one parser of untrusted input and fails
(raises something other than the refusal the parser documents) on a bug.

Shared by the atheris driver (fuzz/run.py, coverage-guided, by hand and briefly in CI) and
the hypothesis properties (tests/hardening/test_fuzz_properties.py). Every target also
checks a property of what the parser returned, so a fuzzer finds wrong answers, not only
crashes.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.app.router import Ignore, StartFix
from bot.app.routing import app_router
from bot.app.webhooks import parse_delivery, sign
from bot.core.config import REPO_CONFIG_PATH
from bot.core.errors import ConfigError, ReportError
from bot.core.github_errors import WebhookError
from bot.core.paths import path_problem
from bot.stages.apply.apply import apply_edits
from bot.stages.apply.parse import parse_edits
from bot.stages.ingest.junit import parse_report_bytes
from bot.stages.ingest.junit_limits import DEFAULT_LIMITS
from bot.stages.ingest.tracebacks import parse_frames
from bot.stages.policy.rules import check_policy
from bot.wiring.settings import load_repo_config

WEBHOOK_SECRET = "fuzz-secret"  # noqa: S105 - a test value, signs fuzzed bodies
_SHA = re.compile(r"[0-9a-f]{40}")
KNOWN_FILES = {
    "pkg/calc.py": "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n",
    "tests/test_calc.py": "from pkg.calc import add\n\n\ndef test_add():\n"
                          "    assert add(1, 2) == 3\n",
}
_CONFIG_DIR = Path(tempfile.mkdtemp(prefix="redfix-fuzz-config-"))

route = app_router().route


def text_of(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def report(data: bytes) -> None:
    """JUnit XML: a TestReport within the text limits, or ReportError."""
    try:
        parsed = parse_report_bytes(data, source="fuzz.xml")
    except ReportError as exc:
        assert str(exc).startswith("fuzz.xml: ")
        return
    for case in parsed.cases:
        assert len(case.message) <= DEFAULT_LIMITS.max_message_chars
        assert len(case.traceback) <= DEFAULT_LIMITS.max_trace_chars + 64
        assert case.line is None or case.line > 0
        assert case.seconds is None or case.seconds >= 0
        assert (case.signature != "") == case.outcome.is_failing


def traceback(data: bytes) -> None:
    """Any text: frames with a path and a positive line, never an exception."""
    for frame in parse_frames(text_of(data)):
        assert frame.path and frame.line > 0


def edits(data: bytes) -> None:
    """A model's answer: parsed, applied in memory, then judged; an unsafe path is never
    allowed by the policy, whatever the answer did to reach it."""
    known = tuple(KNOWN_FILES)
    found, _problems = parse_edits(text_of(data), known_paths=known)
    applied = apply_edits(found, read=KNOWN_FILES.get, known_paths=known)
    original = {path: KNOWN_FILES.get(path) for path in applied.files}
    verdict = check_policy(original, dict(applied.files), allow_test_edits=False)
    for path, text in applied.files.items():
        if path_problem(path) is not None and text != original[path]:
            assert not verdict.allowed, f"{path!r} passed the policy"


def config(data: bytes) -> None:
    """.github/redfix.yml: a RepoConfig, or ConfigError naming the file."""
    path = _CONFIG_DIR / REPO_CONFIG_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    try:
        loaded = load_repo_config(_CONFIG_DIR)
    except ConfigError as exc:
        assert str(path) in str(exc)
        return
    assert loaded.max_attempts is None or 1 <= loaded.max_attempts <= 10


def webhook(data: bytes) -> None:
    """A delivery: headers and body from the data, signed right when the first byte is odd.
    Refused with a WebhookError, or routed to a decision; a job only for a real payload."""
    signed = bool(data[:1]) and data[0] % 2 == 1
    head, _, body = data[1:].partition(b"\n")
    event, _, delivery = text_of(head).partition(" ")
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
               "X-Hub-Signature-256": sign(body, WEBHOOK_SECRET) if signed else text_of(head)}
    try:
        parsed = parse_delivery(headers, body, secret=WEBHOOK_SECRET, max_bytes=1 << 20)
    except WebhookError as exc:
        assert 400 <= exc.status < 500
        return
    assert signed, "an unsigned body was accepted"
    decision = route(parsed)
    if isinstance(decision, StartFix):
        assert decision.job.repository and _SHA.fullmatch(decision.job.head_sha)
    else:
        assert not isinstance(decision, Ignore) or decision.reason


TARGETS: dict[str, Callable[[bytes], None]] = {
    "report": report,
    "traceback": traceback,
    "edits": edits,
    "config": config,
    "webhook": webhook,
}
