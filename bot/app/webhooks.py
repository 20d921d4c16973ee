"""Webhook deliveries as pure functions over bytes and headers (no I/O).

GitHub signs the raw body with HMAC-SHA256 using the app's webhook secret and
sends `sha256=<hex>` in X-Hub-Signature-256; the delivery id (a GUID, the same
on redelivery) is in X-GitHub-Delivery and the event name in X-GitHub-Event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.github_errors import MalformedDelivery, PayloadTooLarge, SignatureMismatch

DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True)
class WebhookEvent:
    """One verified delivery."""

    name: str
    delivery_id: str
    payload: Mapping[str, Any]

    @property
    def action(self) -> str:
        action = self.payload.get("action")
        return action if isinstance(action, str) else ""

    @property
    def qualified_name(self) -> str:
        """`event.action` as Probot registers handlers, or the bare event name."""
        return f"{self.name}.{self.action}" if self.action else self.name


def sign(body: bytes, secret: str) -> str:
    """The X-Hub-Signature-256 value GitHub sends for `body`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def check_size(length: int, *, limit: int = DEFAULT_MAX_BODY_BYTES) -> None:
    if length > limit:
        raise PayloadTooLarge(f"webhook body of {length} bytes is over the limit of {limit} bytes")


def verify_signature(body: bytes, signature: str | None, *, secret: str) -> None:
    """Raise SignatureMismatch unless `signature` is GitHub's for `body` (constant time)."""
    if not signature:
        raise SignatureMismatch("missing X-Hub-Signature-256: is the webhook secret set on GitHub?")
    if not signature.startswith(SIGNATURE_PREFIX):
        raise SignatureMismatch("X-Hub-Signature-256 must start with 'sha256='")
    if not hmac.compare_digest(sign(body, secret).encode(), signature.encode()):
        raise SignatureMismatch(
            "X-Hub-Signature-256 does not match: the webhook secret differs from "
            "REDFIX_WEBHOOK_SECRET"
        )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def parse_delivery(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    max_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> WebhookEvent:
    """Size, signature, then headers and JSON: the order that leaks least to strangers."""
    check_size(len(body), limit=max_bytes)
    verify_signature(body, _header(headers, "X-Hub-Signature-256"), secret=secret)
    name = _header(headers, "X-GitHub-Event")
    delivery_id = _header(headers, "X-GitHub-Delivery")
    if not name or not delivery_id:
        raise MalformedDelivery("a delivery needs X-GitHub-Event and X-GitHub-Delivery headers")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedDelivery(f"delivery {delivery_id}: body is not JSON ({exc})") from exc
    if not isinstance(payload, dict):
        raise MalformedDelivery(f"delivery {delivery_id}: body must be a JSON object")
    return WebhookEvent(name=name, delivery_id=delivery_id, payload=payload)
