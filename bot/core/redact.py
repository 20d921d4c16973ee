"""Removing secrets from any text before it reaches a prompt, a log or a PR."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[REDACTED]"

PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        r"gh[pousr]_[A-Za-z0-9]{20,}",
        r"github_pat_[A-Za-z0-9_]{20,}",
        r"AKIA[0-9A-Z]{16}",
        r"xox[abposr]-[A-Za-z0-9-]{10,}",
        r"sk-[A-Za-z0-9_-]{20,}",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*",
        r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    )
)
SENSITIVE_NAME = r"[A-Za-z0-9_]*(?:api[_-]?key|secret|token|passw(?:or)?d|credential)[A-Za-z0-9_]*"
# A secret-looking name given a quoted literal, or an environment-style line.
QUOTED_ASSIGNMENT = re.compile(rf"(?i)\b({SENSITIVE_NAME})(\s*[:=]\s*)(['\"])([^'\"\s]{{6,}})\3")
ENV_ASSIGNMENT = re.compile(
    r"(?m)^(\s*(?:export\s+)?[A-Z0-9_]*(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD)[A-Z0-9_]*=)(\S{6,})"
)


def redact(text: str, *, known_secrets: Iterable[str] = ()) -> str:
    for secret in known_secrets:
        if len(secret) >= 6:
            text = text.replace(secret, REDACTED)
    for pattern in PATTERNS:
        text = pattern.sub(REDACTED, text)
    text = QUOTED_ASSIGNMENT.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{REDACTED}{m.group(3)}", text
    )
    return ENV_ASSIGNMENT.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
